"""Differentiable range-partition entropy surrogates and the exact / bounded reference."""
