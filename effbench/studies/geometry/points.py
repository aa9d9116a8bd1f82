"""Fig. 10 of paper 003 from our runs: one held-out point set per family before and after the
trained EntropyNet (the main variant, first seed), with the hull and the entropy bound of each."""
from __future__ import annotations

import numpy as np

from ...artefacts import write_npz
from ...entropy.range_partition import structural_entropy_bound
from ...geometry import hulls
from .plan import MAIN, run_dir
from .sets import sets_for
from .train import load_net


def before_after(cfg: dict, out_npz) -> dict:
    arrays = {}
    seed = cfg["seeds"][0]
    for family in cfg["families"]:
        net = load_net(cfg, run_dir(family, MAIN, seed))
        (pts,) = sets_for("test", family, cfg["train"]["n"], 1, seed)
        moved = net.transform(pts)
        arrays[f"{family}_in"], arrays[f"{family}_out"] = pts, moved
        arrays[f"{family}_hull_in"], arrays[f"{family}_hull_out"] = hulls.qhull(pts), hulls.qhull(moved)
        arrays[f"{family}_bound"] = np.array([structural_entropy_bound(pts), structural_entropy_bound(moved)])
    write_npz(out_npz, families=np.array(cfg["families"]), **arrays)
    return arrays
