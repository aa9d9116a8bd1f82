"""The frontier's one cost job: every text method on one task's test split, timed interleaved.

Each method is a module called as model(**batch) returning logits: the dense weights through
transformers' default attention (the reference of every speed-up) and through our eager path,
the shallow model, the entropy and random gates at each keep ratio, EAT at each tau, AD-TP
with its own ratio predictor, and the dense model pruned by attention received at fixed ratios
(static top-k). FLOPs come from one code path for all: torch's counter on single examples.
"""
from __future__ import annotations

import numpy as np
import torch

from ...artefacts import provenance, read_npz, write_json, write_npz
from ...compute import numpy, on
from ...data import tasks as text_tasks
from ...data.batching import collate, encode, sequential_order
from ...data.text import read_split, subsample
from ..adtp.plan import ltp_variants
from .plan import ADTP, DENSE, DENSE_SDPA, SHALLOW, gate_exclusion, gate_preds, gate_variants, inputs, saved_probs


class Operating(torch.nn.Module):
    """A trained model at one operating point (EAT's tau, AD-TP's ratio or scorer)."""

    def __init__(self, model, **options):
        super().__init__()
        self.model, self.options = model, options

    def forward(self, **batch):
        return self.model(**batch, **self.options)


def load_methods(config: dict, task: str, pair: bool) -> tuple[dict, dict, object]:
    """name -> module, name -> {family, setting}, and the tokenizer."""
    from ..adtp import model as adtp_model
    from ..eat import model as eat_model
    from ..text_gate.train import load_trained as load_gated

    runs = inputs(config, task)
    eat_cfg, adtp_cfg = config["eat"], config["adtp"]
    data_dir = text_tasks.data_dir(eat_cfg["tasks"][task])
    # the shared dense weights, loaded as EAT's dense classifier (the same TextClassifier every study uses)
    dense, tokenizer = eat_model.load_trained(eat_cfg, task, DENSE, runs[DENSE], data_dir)
    methods = {DENSE: dense}
    info = {DENSE: {"family": "dense", "setting": "eager attention"}}
    shallow, _ = eat_model.load_trained(eat_cfg, task, SHALLOW, runs[SHALLOW], data_dir)
    methods[SHALLOW] = shallow
    info[SHALLOW] = {"family": "shallow", "setting": f"first {eat_cfg['shallow_layers']} blocks"}
    for name in gate_variants(config, task):
        model, _ = load_gated(config["text_gate"], name, runs[name])
        methods[name] = model
        info[name] = {"family": name.split("_p")[0], "setting": f"keep {model.gate.keep_ratio:g}"}
    eat, _ = eat_model.load_trained(eat_cfg, task, "eat", runs["eat"], data_dir)
    for tau in eat_cfg["taus"]:
        methods[f"eat_tau{tau:g}"] = Operating(eat, tau=tau)
        info[f"eat_tau{tau:g}"] = {"family": "eat", "setting": f"tau {tau:g}"}
    methods["eat_no_exit"] = Operating(eat, tau=None)
    info["eat_no_exit"] = {"family": "eat", "setting": "no exit"}
    student, _ = adtp_model.load_trained(adtp_cfg, task, ADTP, runs[ADTP])
    methods[ADTP] = student
    info[ADTP] = {"family": "adtp", "setting": "ARP ratio"}
    for name in ltp_variants(adtp_cfg, task):
        methods[name] = adtp_model.load_trained(adtp_cfg, task, name, runs[name])[0]
        info[name] = {"family": "ltp", "setting": f"initial threshold {methods[name].ltp.final_threshold:g}"}
    pruner = adtp_model.as_pruner(adtp_cfg, eat_model.load_trained(eat_cfg, task, DENSE, runs[DENSE], data_dir)[0],
                                  tokenizer, pair)
    for ratio in adtp_cfg["baseline_ratios"]:
        methods[f"attention_topk_r{ratio:g}"] = Operating(pruner, ratio=ratio, scorer="attention")
        info[f"attention_topk_r{ratio:g}"] = {"family": "attention_topk", "setting": f"ratio {ratio:g}"}
    return methods, info, tokenizer


@torch.inference_mode()
def predict(model, encoded, pad: int, sep, batch_size: int) -> np.ndarray:
    """Class probabilities of every example, in length-sorted batches."""
    model.eval()
    probs = None
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        p = numpy(model(**on(model, collate([encoded[i] for i in idx], pad, sep)))["logits"].softmax(-1))
        probs = np.zeros((len(encoded), p.shape[1])) if probs is None else probs
        probs[idx] = p
    return probs


def measure(config: dict, task: str, out_path, preds_path, threads: int) -> dict:
    from ...compute import current
    from ...cost.flops import count_flops
    from ...cost.text_cost import DENSE_COMPILED, add_library_dense, latency_batch1, speedups, throughput, timed_models
    from ...cost.timing import pin_threads

    threads = pin_threads(threads)
    fc, facts = config["frontier"], config["eat"]["tasks"][task]
    directory = text_tasks.data_dir(facts)
    pair = text_tasks.is_pair(directory)
    torch.manual_seed(0)                 # the random gate's draws
    methods, info, tokenizer = load_methods(config, task, pair)
    pad, sep = tokenizer.pad_token_id, text_tasks.sep_id(tokenizer, pair)
    test = subsample(read_split(directory, "test"), fc["test_subset"], config["eat"]["split_seed"])
    encoded = encode(tokenizer, test, facts["max_length"])
    labels = test["label"].to_numpy()
    batches = [collate(encoded[i:i + fc["batch_size"]], pad, sep) for i in range(0, len(encoded), fc["batch_size"])]
    sdpa_check = add_library_dense(methods, DENSE, batches)
    info[DENSE_SDPA] = {"family": "dense", "setting": "SDPA (transformers' default)"}
    result, probs = {}, {}
    saved = gate_preds(config, task)
    for name, model in methods.items():
        torch.manual_seed(0)
        probs[name] = predict(model, encoded, pad, sep, fc["batch_size"])
        if name in saved:   # the text gate's own predictions: one score per model on every page
            probs[name] = saved_probs(read_npz(saved[name]), labels)
            info[name]["preds_from"] = saved[name]
        flops = [count_flops(model, **on(model, collate([ids], pad, sep))) for ids in encoded[: fc["flops_examples"]]]
        result[name] = {**info[name], "accuracy": float((probs[name].argmax(1) == labels).mean()),
                        "gflops": float(np.mean(flops) / 1e9)}
    # one model, one count: torch's counter sizes the fused SDPA kernel a little differently from the
    # eager matmuls, so the SDPA row carries the eager count (its own is kept beside it)
    result[DENSE_SDPA]["gflops_counted_sdpa"] = result[DENSE_SDPA]["gflops"]
    result[DENSE_SDPA]["gflops"] = result[DENSE]["gflops"]
    methods, timing = timed_models(methods, current())
    if DENSE_COMPILED in methods:
        result[DENSE_COMPILED] = {**result[DENSE_SDPA], "setting": "SDPA under torch.compile"}
        probs[DENSE_COMPILED] = probs[DENSE_SDPA]        # the same weights and kernels' maths, compiled
    n_lat = min(fc["latency_examples"], len(encoded) - fc["warmup"])
    latency = latency_batch1(methods, {k: encoded for k in methods}, pad, n_lat, fc["warmup"])
    n_thr = min(fc["throughput_examples"], len(encoded))
    sweeps = {fc["batch_size"]: throughput(methods, {k: encoded[:n_thr] for k in methods}, pad, fc["batch_size"],
                                           fc["repeats"])}
    for name in methods:
        result[name].update({"latency_b1": latency[name], **speedups(latency, sweeps, name, DENSE),
                             "predicted_speedup": result[DENSE]["gflops"] / result[name]["gflops"]})
    write_npz(preds_path, labels=labels, **{f"probs_{k}": v for k, v in probs.items()})
    write_json(out_path, {"provenance": provenance({k: config[k] for k in ("frontier", "dense", "eat", "adtp")},
                                                   task=task, threads=threads, n_test=len(labels),
                                                   sdpa_agreement=sdpa_check, timing=timing,
                                                   text_gate_left_out=gate_exclusion(config, task),
                                                   note="accuracy on the test examples; GFLOPs: torch's "
                                                        "counter on the first flops_examples alone; latency: mean per "
                                                        "example at batch 1; all methods interleaved; speed-ups "
                                                        "against dense_sdpa, *_vs_eager against dense"),
                          "metrics": result})
    return result
