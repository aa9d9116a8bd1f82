"""Point sets of each role (train / validation / test / correlation / large) from disjoint random streams."""
from __future__ import annotations

import numpy as np

from ...data.points import FAMILIES, point_set

ROLES = {"train": 0, "validation": 1, "test": 2, "correlation": 3, "large": 4}


def rng_for(role: str, family: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([ROLES[role], FAMILIES.index(family), seed])


def sets_for(role: str, family: str, n: int, count: int, seed: int) -> list[np.ndarray]:
    rng = rng_for(role, family, seed)
    return [point_set(family, n, rng) for _ in range(count)]


def sizes_for(cfg: dict, family: str) -> list[int]:
    return [0] if family == "mnist" else list(cfg["timing"]["sizes"])   # 0: a digit's own size
