"""AD-TP's cost job: analytic FLOPs checked against torch's counter, interleaved CPU timing."""
from __future__ import annotations

from pathlib import Path

import torch

from ...artefacts import provenance, read_json, write_json
from ...data import tasks
from ...data.batching import collate, encode
from ...models.adtp import example_flops
from ...models.losses import explained_output
from ...pruning import attribution as attr
from .data import split_frame
from .model import as_pruner, load_trained, special_ids
from .plan import ADTP, DENSE, SHALLOW, STATIC, ltp_variants


class Method(torch.nn.Module):
    """One pruning method at one operating point, timed through model(**batch) like any model."""

    def __init__(self, model, ratio=None, scorer=None, tokenizer=None, ig_steps: int = 1, explainer=None):
        super().__init__()
        self.model, self.ratio, self.scorer, self.tokenizer, self.ig_steps = model, ratio, scorer, tokenizer, ig_steps
        self.explainer = explainer     # the unpruned model whose IG scores the tokens

    def forward(self, **batch):
        if self.scorer == "ig":        # scoring is part of the method's cost: a forward, then m forward+backward passes
            with torch.inference_mode(False), torch.enable_grad():
                b = {k: v.clone() for k, v in batch.items()}
                with torch.no_grad():
                    target = explained_output(self.explainer(**b)["logits"])
                ig = attr.integrated_gradients(self.explainer, b, target, self.ig_steps, self.tokenizer.pad_token_id,
                                               special_ids(self.tokenizer))
                scores = attr.token_magnitude(ig.detach())
            return self.model(**batch, ratio=self.ratio, scores=scores)
        if self.scorer is None:
            return self.model(**batch, ratio=self.ratio)
        if self.scorer == "random":
            return self.model(**batch, ratio=self.ratio, scores=torch.rand(batch["input_ids"].shape, device=batch["input_ids"].device))
        return self.model(**batch, ratio=self.ratio, scorer=self.scorer)


def measure_cost(cfg: dict, task: str, runs_root, out_path, threads: int) -> dict:
    """Counted FLOPs must equal the analytic ones; then batch-1 latency and batched throughput
    of every deployable method, interleaved (leave-one-out is an oracle and is not timed)."""
    from ...compute import current, on
    from ...cost.flops import count_flops
    from ...cost.text_cost import add_library_dense, latency_batch1, speedups, throughput, timed_models
    from ...cost.timing import pin_threads

    threads = pin_threads(threads)
    t, cc = cfg["tasks"][task], cfg["cost"]
    seed = t["seeds"][0]
    runs_root = Path(runs_root)
    pair = tasks.is_pair(tasks.data_dir(cfg["tasks"][task]))
    student, tokenizer = load_trained(cfg, task, ADTP, runs_root / ADTP / f"seed{seed}")
    dense, _ = load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")
    shallow, _ = load_trained(cfg, task, SHALLOW, runs_root / SHALLOW / f"seed{seed}")
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    frame = split_frame(cfg, task, "test").head(max(cc["latency_examples"] + cc["warmup"], cc["throughput_examples"]))
    encoded = encode(tokenizer, frame, t["max_length"])
    static = float(read_json(runs_root / ADTP / f"seed{seed}" / "metrics.json")["metrics"]["test"]["mean_ratio"])
    pruner = as_pruner(cfg, load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")[0], tokenizer, pair)
    models = {DENSE: dense, SHALLOW: shallow, ADTP: student, STATIC: Method(student, static)}
    for name in ltp_variants(cfg, task):     # the LTP baseline's operating points (hard pruning)
        models[name] = load_trained(cfg, task, name, runs_root / name / f"seed{seed}")[0]
    for kind in t["scorers"]:
        if kind != "residual":
            models[f"{kind}_static"] = Method(pruner, static, kind, tokenizer, cfg["adtp"]["ig_steps"], explainer=dense)
    sdpa_check = add_library_dense(models, DENSE, [collate(encoded[i:i + 32], pad, sep) for i in range(0, len(encoded), 32)])
    checks = []
    for name in (DENSE, SHALLOW, ADTP, *ltp_variants(cfg, task)):     # analytic FLOPs == torch's counter, per example
        m = models[name]
        for ids in encoded[: cc["flops_examples"]]:
            b = on(m, collate([ids], pad, sep))
            with torch.no_grad():
                tokens = m(**b)["tokens"][0].tolist()
            counted, analytic = count_flops(m, **b), example_flops(m, tokens)
            if counted != analytic:
                raise RuntimeError(f"{task}/{name}: analytic FLOPs {analytic} differ from torch's count {counted}")
            checks.append(name)
    models, timing = timed_models(models, current())
    n_lat = min(cc["latency_examples"], len(encoded) - cc["warmup"])
    latency = latency_batch1(models, {k: encoded for k in models}, pad, n_lat, cc["warmup"])
    n_thr = min(cc["throughput_examples"], len(encoded))
    sweeps = {b: throughput(models, {k: encoded[:n_thr] for k in models}, pad, b, cc["repeats"]) for b in cc["batch_sizes"]}
    result = {"static_ratio": static, "flops_checked_examples": len(checks), "sdpa_agreement": sdpa_check, "methods": {}}
    for name in models:      # speed-ups against the library's (SDPA) dense model, and our eager dense path
        result["methods"][name] = {"latency_b1": latency[name], **speedups(latency, sweeps, name, DENSE)}
    write_json(out_path, {"provenance": provenance(cfg, task=task, threads=threads, timing=timing,
                                                   note="latency = mean per example at batch 1 over the first "
                                                        "latency_examples test examples; IG scoring (a backward pass) is "
                                                        "inside the ig method's time; methods interleaved; speed-ups "
                                                        "against dense_sdpa (transformers' default attention, same "
                                                        "weights), *_vs_eager against dense"),
                          "metrics": result})
    return result
