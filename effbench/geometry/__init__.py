"""Convex hulls, point-set preprocessing and EntropyNet for the geometry study."""
