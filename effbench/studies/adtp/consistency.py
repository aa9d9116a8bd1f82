"""TSP vs IG (Table 5): how well the TSP's token scores agree with IG attributions."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ...artefacts import write_csv
from ...compute import numpy, on
from ...data import tasks
from ...data.batching import collate, encode, sequential_order
from ...pruning import attribution as attr
from .data import split_frame
from .model import load_trained, special_ids
from .plan import ADTP, DENSE
from .teacher import token_attributions


def tsp_consistency(cfg: dict, task: str, runs_root, out_csv) -> pd.DataFrame:
    """How well the trained TSP ranks and matches IG on validation examples: per-sequence
    Spearman rho (real tokens, [CLS]/[SEP] excluded: their IG is 0 by construction), averaged,
    and MSE against the dual-normalised IG, for the AD-TP model's own IG and the teacher's."""
    from scipy.stats import spearmanr

    t = cfg["tasks"][task]
    seed = t["seeds"][0]
    runs_root = Path(runs_root)
    pair = tasks.is_pair(tasks.data_dir(cfg["tasks"][task]))
    frame = split_frame(cfg, task, "validation").head(cfg["consistency_examples"])
    student, tokenizer = load_trained(cfg, task, ADTP, runs_root / ADTP / f"seed{seed}")
    teacher, _ = load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    encoded = encode(tokenizer, frame, t["max_length"])
    labels = frame["label"].to_numpy()
    tsp = [None] * len(encoded)
    with torch.no_grad():
        for idx in sequential_order(list(map(len, encoded)), 64):
            out = student(**on(student, collate([encoded[i] for i in idx], pad, sep)))
            for row, i in enumerate(idx):
                tsp[i] = numpy(out["tsp"][row, : len(encoded[i])])
    references = {"own_ig": token_attributions(student, encoded, labels, tokenizer, cfg["adtp"]["ig_steps"], None, sep_id=sep),
                  "teacher_ig": token_attributions(teacher, encoded, labels, tokenizer, cfg["adtp"]["teacher_ig_steps"],
                                                   cfg["adtp"]["teacher_top_k_dims"], sep_id=sep)}
    rows = []
    specials = set(special_ids(tokenizer))
    for ref_name, ref in references.items():
        rhos, errors = [], []
        for ids, s, a in zip(encoded, tsp, ref):
            a_n = attr.dual_normalise(torch.as_tensor(a)[None], torch.ones(1, len(a), dtype=torch.bool))[0].numpy()
            errors.append(((s - a_n) ** 2).mean())
            keep = np.array([i not in specials for i in ids])
            if keep.sum() >= 3 and np.ptp(a[keep]) > 0 and np.ptp(s[keep]) > 0:
                rhos.append(spearmanr(s[keep], a[keep]).statistic)
        rhos = np.array(rhos)
        boot = np.random.default_rng(0).choice(rhos, (2000, len(rhos))).mean(1)
        rows.append({"row": ref_name, "spearman_rho": float(rhos.mean()), "spearman_rho_ci_low": float(np.percentile(boot, 2.5)),
                     "spearman_rho_ci_high": float(np.percentile(boot, 97.5)), "mse": float(np.mean(errors)),
                     "n_sequences": len(encoded), "n_ranked": len(rhos)})
    out = pd.DataFrame(rows)
    write_csv(out_csv, out)
    return out
