"""EAT (paper 002): progressive pruning, window attention and early exit, measured honestly.

Per task and seed: a dense fine-tuned backbone (baseline and distillation teacher), a
shallow dense model (its first blocks: the DistilBERT analogue), EAT, and on the ablation
task EAT with one lever off each (pruning, window, distillation; no-exit is the EAT model
evaluated with tau = None). Training follows Alg. 2: epoch 1 without pruning, then the
ratio anneals linearly to its target; window attention throughout.

Evaluation sweeps tau on validation and test; tau is chosen on validation (the smallest
whose accuracy is within `max_drop_pp` of the dense model's) and the test split reports.
Every accuracy, depth, retention and FLOPs figure comes from one per-example trace.
"""
from __future__ import annotations

from dataclasses import asdict
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from ..artefacts import config_hash, provenance, read_json, save_weights, seed_everything, write_csv, write_json, write_npz
from ..data.batching import bucketed_order, collate, encode, sequential_order
from ..data.text import read_split as load_split
from ..data.text import subsample
from ..models.backbones import load_encoder
from ..models.eat import EATClassifier, EATSettings, apply_eat, distillation_loss, trace_flops, truncate_layers
from ..models.text_classifier import TextClassifier
from ..stats.calibration import ece, fit_temperature, scaled_probs
from ..train import fit

DENSE, SHALLOW, EAT = "dense", "shallow", "eat"
ABLATIONS = {"eat_no_prune": {"prune": False}, "eat_no_window": {"window": False}, "eat_no_distill": {"distill": False}}
DENSE_CONTINUED = "dense_continued"   # the dense model trained as long again as EAT is (init: dense)
NO_EXIT = "eat_no_exit"          # evaluation-time ablation of the trained EAT model
PATIENCE = "eat_patience"        # evaluation-time variant: confidence and agreement of blocks 3 and 4
HISTORY_EXAMPLES = 128           # validation examples behind the per-epoch history (the final evaluation uses all)


# ------------------------------------------------------------------ what runs
def variants(cfg: dict, task: str) -> dict[str, dict]:
    """Trained variants of one task: name -> {kind, prune, window, distill, seeds}."""
    seeds = cfg["tasks"][task]["seeds"]
    distill = cfg["distill"]["weight"] > 0
    out = {DENSE: {"kind": "dense", "seeds": seeds}, SHALLOW: {"kind": "shallow", "distill": distill, "seeds": seeds},
           EAT: {"kind": "eat", "prune": True, "window": True, "distill": distill, "seeds": seeds}}
    if cfg["tasks"][task]["ablation"]:
        for name, off in ABLATIONS.items():
            out[name] = {**out[EAT], **off, "seeds": seeds[:1]}
        if cfg["init"] == "dense":   # every lever off: what EAT's extra epochs alone give the dense model
            out[DENSE_CONTINUED] = {"kind": "dense", "continued": True, "distill": False, "seeds": seeds[:1]}
    return out


def data_dir(cfg: dict, task: str) -> str:
    t = cfg["tasks"][task]
    return f"data/text/glue/{t['glue_task']}" if t["source"] == "glue" else f"data/text/{t['source']}"


def binary_task(cfg: dict, task: str) -> bool:
    t = cfg["tasks"][task]
    return t["source"] in ("rotten_tomatoes", "spam") or (t["source"] == "glue" and t["glue_task"] != "MNLI")


def settings(cfg: dict, spec: dict, sep_token_id: int | None = None) -> EATSettings:
    e = cfg["eat"]
    return EATSettings(prune_after=list(e["prune_after"]), prune_ratio=e["prune_ratio"] if spec["prune"] else 0.0,
                       half_window=e["half_window"] if spec["window"] else None, exit_layers=list(e["exit_layers"]),
                       exit_at=e["exit_at"], exit_weight=e["exit_weight"], exit_pooling=e["exit_pooling"], patience=False,
                       sep_token_id=sep_token_id)


def patch(cfg: dict, spec: dict, model: TextClassifier, tokenizer, pair: bool = False) -> TextClassifier:
    """Turn a dense classifier into the variant `spec` describes (shallow: its first blocks; EAT)."""
    if spec["kind"] == "shallow":
        truncate_layers(model, cfg["shallow_layers"])
    elif spec["kind"] == "eat":
        apply_eat(model, settings(cfg, spec, tokenizer.sep_token_id if pair else None), cfg["dropout"])
    return model


def build(cfg: dict, spec: dict, n_classes: int, pair: bool = False):
    encoder, tokenizer = load_encoder(cfg["backbone"])
    return patch(cfg, spec, TextClassifier(encoder, n_classes, cfg["dropout"]), tokenizer, pair), tokenizer


@cache
def n_classes_of(directory) -> int:
    return int(load_split(directory, "train")["label"].max()) + 1


@cache
def is_pair(directory) -> bool:
    return "text_pair" in load_split(directory, "validation").columns


def load_trained(cfg: dict, task: str, name: str, run_dir, directory):
    model, tokenizer = build(cfg, variants(cfg, task)[name], n_classes_of(directory), is_pair(directory))
    model.load_state_dict(load_file(Path(run_dir) / "model.safetensors"), strict=True)
    return model.eval(), tokenizer


# ------------------------------------------------------------------ evaluation
@torch.no_grad()
def trace(model, encoded, pad_id: int, tau: float | None = None, batch_size: int = 64, sep_id=None) -> dict:
    """Per example: class probabilities, exit block, tokens each block processed, length,
    and (EAT) the logits of every exit head when no exit is taken."""
    model.eval()
    n, n_layers = len(encoded), len(model.layers)
    probs = np.zeros((n, model.head.out_features))
    exit_layer = np.full(n, n_layers)
    tokens = np.zeros((n, n_layers), int)
    heads = {}
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = collate([encoded[i] for i in idx], pad_id, sep_id)
        out = model(**batch, tau=tau) if isinstance(model, EATClassifier) else model(**batch)
        probs[idx] = out["logits"].softmax(-1).numpy()
        exit_layer[idx] = out["exit_layer"].numpy()
        tokens[idx] = out["tokens"].numpy()
        if tau is None:
            for depth, logits in out.get("exit_logits", {}).items():
                heads.setdefault(depth, np.zeros_like(probs))[idx] = logits.numpy()
    return {"probs": probs, "exit_layer": exit_layer, "tokens": tokens, "length": np.array(list(map(len, encoded))),
            "exit_logits": heads}


def at_tau(model: EATClassifier, full: dict, tau: float, patience: bool = False) -> dict:
    """The trace EAT gives at threshold tau, derived from its no-exit trace: exits are decided
    per example from the block-4 head alone, so an example's outcome does not depend on the
    rest of its batch (tests check it against running the model at tau)."""
    from ..exits import should_exit

    at = model.eat.exit_at
    head = model.exit_heads[str(at)]
    logits = torch.as_tensor(full["exit_logits"][at])
    previous = torch.as_tensor(full["exit_logits"][at - 1]) if patience else None
    done = should_exit(logits, tau, head.temperature, previous).numpy()
    probs = np.where(done[:, None], logits.softmax(-1).numpy(), full["probs"])
    tokens = full["tokens"].copy()
    tokens[done, at:] = 0
    return {**full, "probs": probs, "exit_layer": np.where(done, at, full["exit_layer"]), "tokens": tokens}


def summarise(model, tr: dict, labels: np.ndarray) -> dict:
    """Accuracy, average executed depth, final retention and mean analytic FLOPs of a trace."""
    last = tr["tokens"][np.arange(len(labels)), tr["exit_layer"] - 1]     # tokens of the last block run
    flops = np.array([trace_flops(model, t, int(e)) for t, e in zip(tr["tokens"].tolist(), tr["exit_layer"])])
    return {"accuracy": float((tr["probs"].argmax(1) == labels).mean()),
            "avg_depth": float(tr["exit_layer"].mean()),
            "avg_retention": float((last / tr["length"]).mean()),
            "exit_share": float((tr["exit_layer"] < len(model.layers)).mean()),
            "gflops": float(flops.mean() / 1e9), "n": int(len(labels))}


def choose_tau(val_rows: dict, dense_accuracy: float, max_drop_pp: float) -> float:
    """The smallest tau (most exits) whose validation accuracy is within max_drop_pp of dense;
    the largest tau if none is."""
    taus = sorted(val_rows)
    ok = [t for t in taus if 100 * (dense_accuracy - val_rows[t]["accuracy"]) <= max_drop_pp + 1e-9]
    return ok[0] if ok else taus[-1]


def tau_key(tau) -> str:
    return "none" if tau is None else f"{tau:g}"


# ------------------------------------------------------------------ training
def prune_schedule(epoch: int, step: int, steps_per_epoch: int, target: float, dense_epochs: int, epochs: int) -> float:
    """Alg. 2: 0 during the first `dense_epochs`, then linear to `target` by the last step."""
    if epoch < dense_epochs:
        return 0.0
    anneal_steps = (epochs - dense_epochs) * steps_per_epoch
    done = (epoch - dense_epochs) * steps_per_epoch + step + 1
    return target * min(1.0, done / anneal_steps)


_subset = subsample


def train_seed(cfg: dict, task: str, name: str, seed: int, directory, run_dir, state_dir, teacher_dir=None) -> dict:
    tcfg, tc = cfg["tasks"][task], cfg["train"]
    spec = variants(cfg, task)[name]
    seed_everything(seed)
    pair = is_pair(directory)
    distill = spec["kind"] != "dense" and spec["distill"]
    # init: dense -> EAT, the shallow model (its first blocks and head, as DistilBERT starts from its
    # teacher's layers) and dense_continued start from the dense checkpoint of this seed, loaded strictly
    from_dense = (spec["kind"] != "dense" or spec.get("continued")) and cfg["init"] == "dense"
    if from_dense:
        teacher, tokenizer = load_trained(cfg, task, DENSE, teacher_dir, directory)
    else:
        model, tokenizer = build(cfg, spec, n_classes_of(directory), pair)
        teacher = load_trained(cfg, task, DENSE, teacher_dir, directory)[0] if distill else None
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    train = _subset(load_split(directory, "train"), tcfg["train_subset"], cfg["split_seed"])
    val = _subset(load_split(directory, "validation"), tcfg["eval_subset"], cfg["split_seed"])
    if train.empty or val.empty:
        raise RuntimeError(f"task {task!r} has no data in {directory}: see its stats.json (was the source "
                           "package fetched? apt / npm may be missing on this machine)")
    x_train, x_val = encode(tokenizer, train, tcfg["max_length"]), encode(tokenizer, val, tcfg["max_length"])
    y_train, y_val = train["label"].to_numpy(), val["label"].to_numpy()
    lengths = list(map(len, x_train))
    teacher_logits = None
    if distill:   # the dense model's log-probabilities, computed once before any patching
        teacher_logits = torch.as_tensor(np.log(np.clip(trace(teacher, x_train, pad, sep_id=sep)["probs"], 1e-12, None)),
                                         dtype=torch.float32)
    if from_dense:
        model = patch(cfg, spec, teacher, tokenizer, pair)
    del teacher
    steps_per_epoch = -(-len(x_train) // tc["batch_size"])
    target = model.eat.prune_ratio if spec["kind"] == "eat" else 0.0

    def batches(epoch):
        rng = np.random.default_rng([seed, epoch])
        for step, idx in enumerate(bucketed_order(lengths, tc["batch_size"], rng)):
            ratio = prune_schedule(epoch, step, steps_per_epoch, target, tc["dense_epochs"], tc["epochs"])
            yield collate([x_train[i] for i in idx], pad, sep), torch.as_tensor(y_train[idx]), idx, ratio

    def step_loss(m, batch):
        x, y, idx, ratio = batch
        if isinstance(m, EATClassifier):
            out = m(**x, prune_ratio=ratio)
            teacher = teacher_logits[idx] if distill else None
            return m.loss(out, y, teacher, cfg["distill"]["weight"], cfg["distill"]["temperature"])
        logits = m(**x)["logits"]
        loss = F.cross_entropy(logits, y)
        if distill:
            loss = loss + cfg["distill"]["weight"] * distillation_loss(logits, teacher_logits[idx], cfg["distill"]["temperature"])
        return loss

    def evaluate(m):
        tr = trace(m, x_val[:HISTORY_EXAMPLES], pad, sep_id=sep)
        return {"val_accuracy": float((tr["probs"].argmax(1) == y_val[:HISTORY_EXAMPLES]).mean())}

    optimizer = torch.optim.AdamW(model.parameters(), lr=tcfg.get("lr") or tc["lr"], weight_decay=tc["weight_decay"])
    from transformers import get_linear_schedule_with_warmup

    steps = tc["epochs"] * steps_per_epoch
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc["warmup_ratio"] * steps), steps)
    history = fit(model, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=Path(state_dir) / name / f"seed{seed}.pt", desc=f"{task} {name} seed {seed}",
                  scheduler=scheduler, resume_key=config_hash([cfg, task, name, seed]))
    calibration = calibrate_exit(model, x_val, y_val, pad, sep, cfg) if isinstance(model, EATClassifier) else {}
    run_dir = Path(run_dir)
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": provenance(cfg, seed=seed, task=task, variant=name),
                                          "history": history})
    return evaluate_run(cfg, task, name, seed, model, tokenizer, directory, run_dir, calibration)


def calibrate_exit(model: EATClassifier, x_val, y_val, pad, sep, cfg) -> dict:
    """ECE (15 bins) of the exit head on validation; temperature scaling when above the threshold."""
    head = model.exit_heads[str(model.eat.exit_at)]
    z = trace(model, x_val, pad, sep_id=sep)["exit_logits"][model.eat.exit_at]
    before = ece(scaled_probs(z), y_val, cfg["calibration_bins"])
    fit = fit_temperature(z, y_val) if before > cfg["ece_threshold"] else {"temperature": 1.0, "at_bound": ""}
    temperature = fit["temperature"]
    head.temperature.fill_(temperature)
    after = ece(scaled_probs(z, temperature), y_val, cfg["calibration_bins"])
    return {"exit_ece_before": before, "exit_temperature": temperature, "exit_temperature_at_bound": fit["at_bound"],
            "exit_ece_after": after}


def evaluate_run(cfg, task, name, seed, model, tokenizer, directory, run_dir, calibration) -> dict:
    """Sweep tau on validation and test; choose tau on validation; write metrics and preds."""
    tcfg = cfg["tasks"][task]
    pair = is_pair(directory)
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    splits = {}
    for split in ("validation", "test"):
        frame = _subset(load_split(directory, split), tcfg["test_subset" if split == "test" else "eval_subset"],
                        cfg["split_seed"])
        splits[split] = (encode(tokenizer, frame, tcfg["max_length"]), frame["label"].to_numpy())
    traces = {(s, "none"): trace(model, splits[s][0], pad, sep_id=sep) for s in splits}
    if isinstance(model, EATClassifier):
        for s in splits:
            for t in cfg["taus"]:
                traces[(s, tau_key(t))] = at_tau(model, traces[(s, "none")], t)
                traces[(s, f"patience{t:g}")] = at_tau(model, traces[(s, "none")], t, patience=True)
    rows = {f"{s}/{k}": summarise(model, tr, splits[s][1]) for (s, k), tr in traces.items()}
    chosen = "none"
    if isinstance(model, EATClassifier):
        dense_val = read_json(Path(run_dir).parents[1] / DENSE / f"seed{seed}" / "metrics.json")
        dense_acc = dense_val["metrics"]["validation/none"]["accuracy"]
        chosen = tau_key(choose_tau({t: rows[f"validation/{tau_key(t)}"] for t in cfg["taus"]}, dense_acc,
                                    cfg["max_drop_pp"]))
    test_labels = splits["test"][1]
    best = traces[("test", chosen)]
    extra = {f"probs_{k}": tr["probs"][:, 1] for (s, k), tr in traces.items() if s == "test"}
    extra.update({f"exit_{k}": tr["exit_layer"] for (s, k), tr in traces.items() if s == "test"})
    write_npz(Path(run_dir) / "preds.npz", ids=np.arange(len(test_labels)), labels=test_labels,
              probs=best["probs"][:, 1], probs_all=best["probs"], exit_layer=best["exit_layer"],
              tokens=best["tokens"], length=best["length"], **extra)
    metrics = {**rows, "chosen_tau": chosen, **calibration, "n_layers": len(model.layers)}
    write_json(Path(run_dir) / "metrics.json",
               {"provenance": provenance(cfg, seed=seed, task=task, variant=name,
                                         settings=asdict(model.eat) if isinstance(model, EATClassifier) else None),
                "metrics": metrics})
    return metrics


# ------------------------------------------------------------------ cost
class AtTau(torch.nn.Module):
    """One EAT model timed at one operating point (the timing harness calls model(**batch))."""

    def __init__(self, model, tau, patience=False):
        super().__init__()
        self.model, self.tau, self.patience = model, tau, patience

    def forward(self, **batch):
        self.model.eat.patience = self.patience
        try:
            return self.model(**batch, tau=self.tau)
        finally:
            self.model.eat.patience = False


def operating_points(cfg: dict, task: str, runs_root) -> dict:
    """name -> (variant, tau, patience) for every row of the frontier and ablation."""
    seed = cfg["tasks"][task]["seeds"][0]
    out = {DENSE: (DENSE, None, False), SHALLOW: (SHALLOW, None, False)}
    eat_metrics = read_json(Path(runs_root) / EAT / f"seed{seed}" / "metrics.json")["metrics"]
    for tau in cfg["taus"]:
        out[f"eat_tau{tau:g}"] = (EAT, tau, False)
    out[NO_EXIT] = (EAT, None, False)
    chosen = eat_metrics["chosen_tau"]
    out[PATIENCE] = (EAT, float(chosen) if chosen != "none" else cfg["taus"][-1], True)
    if DENSE_CONTINUED in variants(cfg, task):
        out[DENSE_CONTINUED] = (DENSE_CONTINUED, None, False)
    for name in variants(cfg, task):
        if name in ABLATIONS:
            m = read_json(Path(runs_root) / name / f"seed{seed}" / "metrics.json")["metrics"]
            out[name] = (name, None if m["chosen_tau"] == "none" else float(m["chosen_tau"]), False)
    return out


def measure_cost(cfg: dict, task: str, runs_root, out_path, threads: int) -> dict:
    """FLOPs (analytic from traces, checked against torch's counter) and CPU latency at
    batch 1 / throughput at the configured batch sizes, all operating points interleaved."""
    from ..cost.flops import count_flops
    from ..cost.text_cost import latency_batch1, throughput, with_speedups
    from ..cost.timing import pin_threads

    threads = pin_threads(threads)
    tcfg, cc = cfg["tasks"][task], cfg["cost"]
    directory = data_dir(cfg, task)
    seed = tcfg["seeds"][0]
    pair = is_pair(directory)
    test = load_split(directory, "test")
    points = operating_points(cfg, task, runs_root)
    loaded, models, result, flops_of, full_traces = {}, {}, {}, {}, {}
    for name, (variant, tau, patience) in points.items():
        if variant not in loaded:
            loaded[variant] = load_trained(cfg, task, variant, Path(runs_root) / variant / f"seed{seed}", directory)
        model, tokenizer = loaded[variant]
        models[name] = AtTau(model, tau, patience) if isinstance(model, EATClassifier) else model
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    encoded = encode(tokenizer, test.head(max(cc["latency_examples"] + cc["warmup"], cc["throughput_examples"])),
                     tcfg["max_length"])
    labels = test["label"].to_numpy()[: len(encoded)]
    for name, (variant, tau, patience) in points.items():
        model = loaded[variant][0]
        if isinstance(model, EATClassifier):     # one no-exit trace per model; tau applied per example
            full = full_traces.setdefault(variant, trace(model, encoded, pad, None, sep_id=sep))
            tr = at_tau(model, full, tau, patience) if tau is not None else full
        else:
            tr = trace(model, encoded, pad, sep_id=sep)
        flops = np.array([trace_flops(model, t, int(e)) for t, e in zip(tr["tokens"].tolist(), tr["exit_layer"])])
        for i in range(min(cc["flops_examples"], len(encoded))):   # the analytic count is torch's count
            if count_flops(models[name], **collate([encoded[i]], pad, sep)) != flops[i]:
                raise RuntimeError(f"{task}/{name}: analytic FLOPs differ from torch's count (example {i})")
        flops_of[name] = flops
        result[name] = {"variant": variant, "tau": tau, "patience": patience, "seed": seed,
                        **summarise(model, tr, labels)}
    n_lat = min(cc["latency_examples"], len(encoded) - cc["warmup"])    # warm-up examples come first
    n_thr = min(cc["throughput_examples"], len(encoded)) or len(encoded)
    latency = latency_batch1(models, {k: encoded for k in models}, pad, n_lat, cc["warmup"])
    sweeps = {b: throughput(models, {k: encoded[:n_thr] for k in models}, pad, b, cc["repeats"]) for b in cc["batch_sizes"]}
    dense_flops = flops_of[DENSE]
    for name in models:
        r, g = result[name], flops_of[name]
        r["latency_b1"] = latency[name]
        r["speedup_b1"] = result[DENSE]["latency_b1"]["mean_ms"] / r["latency_b1"]["mean_ms"] if name != DENSE else 1.0
        timed = slice(cc["warmup"], cc["warmup"] + n_lat)                  # the examples latency_batch1 times
        r["predicted_speedup_b1"] = float(dense_flops[timed].mean() / g[timed].mean())
        r["predicted_speedup_batched"] = float(dense_flops[:n_thr].mean() / g[:n_thr].mean())
        r["throughput"] = with_speedups(sweeps, name, DENSE)
    chosen = read_json(Path(runs_root) / EAT / f"seed{seed}" / "metrics.json")["metrics"]["chosen_tau"]
    chosen_name = f"eat_tau{float(chosen):g}" if chosen != "none" else NO_EXIT
    result["profile_b1"] = {name: profile_ops(models[name], encoded[: cc["profile_examples"]], pad, sep)
                            for name in (DENSE, chosen_name)}
    write_json(out_path, {"provenance": provenance(cfg, task=task, threads=threads,
                                                   note="CPU, fp32; latency = mean per example at batch 1 over the "
                                                        "first latency_examples test examples; throughput over "
                                                        "length-sorted batches; all operating points interleaved"),
                          "metrics": result})
    return result



@torch.inference_mode()
def profile_ops(model, encoded, pad_id: int, sep_id=None, top: int = 12) -> dict:
    """Where batch-1 time goes: torch.profiler's self CPU time per operator, in ms per example."""
    from torch.profiler import ProfilerActivity, profile

    batches = [collate([ids], pad_id, sep_id) for ids in encoded]
    for b in batches[:5]:
        model(**b)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for b in batches:
            model(**b)
    ops = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in ops)
    rows = [{"op": e.key, "ms_per_example": e.self_cpu_time_total / 1e3 / len(batches),
             "share": e.self_cpu_time_total / total, "calls_per_example": e.count / len(batches)} for e in ops[:top]]
    return {"total_ms_per_example": total / 1e3 / len(batches), "ops": rows}


# ------------------------------------------------------------------ tables
PAPER_ROWS = {DENSE: "bert", SHALLOW: "distilbert"}     # the paper's dense reference and its shallow model
PAPER_METRICS = ("latency_ms", "accuracy", "speedup_vs_bert", "delta_acc_pp", "avg_depth", "avg_retention")


def _paper_row(name: str, tau) -> str | None:
    if name in PAPER_ROWS:
        return PAPER_ROWS[name]
    if name.startswith("eat_tau"):
        return f"eat_tau{tau:.2f}"
    return None


def write_frontier(cfg: dict, task: str, runs_root, cost_path, claims_paths, out_path) -> pd.DataFrame:
    """Tables 1-3 of paper 002 in shape (model, tau, latency_ms, accuracy, speed-up vs dense,
    delta accuracy in pp, avg depth, avg retention) plus throughput, FLOPs and the
    measured / FLOPs-predicted ratio; accuracy on the test split with a 95% CI over seeds and
    examples; the paper's row beside ours where the task stands in for one of its tables."""
    from ..claims import find_claim, load_ledger, paper_columns
    from ..stats.intervals import two_level_bootstrap

    cost = read_json(cost_path)["metrics"]
    claims = load_ledger(claims_paths)
    paper_table = cfg["tasks"][task].get("paper_table")
    rows = []
    for name, c in cost.items():
        if name == "profile_b1":
            continue
        variant, tau, patience = c["variant"], c["tau"], c["patience"]
        key = tau_key(tau) if not patience else f"patience{tau:g}"
        seed_dirs = [Path(runs_root) / variant / f"seed{s}" for s in variants(cfg, task)[variant]["seeds"]]
        metrics = [read_json(d / "metrics.json")["metrics"] for d in seed_dirs]
        row = {"row": name, "model": variant, "tau": tau, "patience": patience, "n_seeds": len(seed_dirs),
               **{k: float(np.mean([m[f"test/{key}"][k] for m in metrics]))
                  for k in ("accuracy", "avg_depth", "avg_retention", "exit_share", "gflops")}}
        probs, labels = [], None
        for d in seed_dirs:
            with np.load(d / "preds.npz") as z:
                labels = z["labels"]
                probs.append(z[f"probs_{key}"])
        if int(labels.max()) <= 1:   # binary: the CI over seeds and examples (preds keep P(class 1))
            r = two_level_bootstrap(labels, np.vstack(probs), "accuracy", 2000)
            row.update(accuracy=r["estimate"], accuracy_ci_low=r["ci_low"], accuracy_ci_high=r["ci_high"])
        row["chosen"] = variant == EAT and not patience and key == metrics[0]["chosen_tau"]
        row["latency_ms"] = c["latency_b1"]["mean_ms"]
        row["latency_median_ms"] = c["latency_b1"]["median_ms"]
        row["speedup_vs_dense"] = c["speedup_b1"]
        row["predicted_speedup_b1"] = c["predicted_speedup_b1"]
        row["measured_over_predicted_b1"] = c["speedup_b1"] / c["predicted_speedup_b1"]
        for b, t in c["throughput"].items():
            row[f"throughput_b{b}_per_s"] = t["examples_per_s"]
            row[f"speedup_b{b}"] = t["speedup"]
            row[f"measured_over_predicted_b{b}"] = t["speedup"] / c["predicted_speedup_batched"]
        row["predicted_speedup_batched"] = c["predicted_speedup_batched"]
        rows.append(row)
    frame = pd.DataFrame(rows)
    dense = frame.set_index("row").loc[DENSE]
    frame["delta_acc_pp"] = 100 * (frame["accuracy"] - dense["accuracy"])
    frame["gflops_vs_dense"] = frame["gflops"] / dense["gflops"]
    frame["depth_bound_speedup"] = dense["avg_depth"] / frame["avg_depth"]   # weights read per example, not FLOPs
    if paper_table:
        frame["paper_table"] = paper_table
        for i, r in frame.iterrows():
            ledger_row = _paper_row(r["row"], r["tau"])
            for metric in PAPER_METRICS:
                ours_col = {"speedup_vs_bert": "speedup_vs_dense"}.get(metric, metric)
                found = paper_columns(find_claim(claims, "eat", paper_table, ledger_row, metric), metric, r, ours_col)
                if r["row"] == DENSE or metric not in ("speedup_vs_bert", "delta_acc_pp", "avg_retention"):
                    found.pop(f"verdict_{metric}", None)
                for key, value in found.items():
                    frame.loc[i, key] = value
    write_csv(out_path, frame)
    return frame


def write_ablation(frontier: pd.DataFrame, out_path) -> pd.DataFrame:
    """Fig. 3 in numbers: each lever off in turn, compute normalised to dense, measured too."""
    names = [EAT, "eat_no_prune", "eat_no_window", NO_EXIT, "eat_no_distill", DENSE_CONTINUED, SHALLOW, DENSE]
    chosen = frontier[frontier["chosen"]].iloc[0]["row"]
    pick = {EAT: chosen, **{n: n for n in names if n != EAT}}
    rows = []
    for label, name in pick.items():
        hit = frontier[frontier["row"] == name]
        if hit.empty:
            continue
        r = hit.iloc[0]
        rows.append({"variant": label, "row": name, "tau": r["tau"], "accuracy": r["accuracy"],
                     "accuracy_ci_low": r.get("accuracy_ci_low"), "accuracy_ci_high": r.get("accuracy_ci_high"),
                     "delta_acc_pp": r["delta_acc_pp"], "normalised_flops": r["gflops_vs_dense"],
                     "speedup_vs_dense": r["speedup_vs_dense"], "avg_depth": r["avg_depth"],
                     "avg_retention": r["avg_retention"]})
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    return frame


# ------------------------------------------------------------------ why the exit heads pool
@torch.no_grad()
def probe_exit_features(cfg: dict, task: str, out_path) -> dict:
    """How much a linear exit head can read from the *pretrained* backbone at each block:
    logistic-regression validation accuracy on the [CLS] state vs the mean of the tokens,
    and the [CLS] state's spread across examples relative to its mean magnitude."""
    from sklearn.linear_model import LogisticRegression

    tcfg = cfg["tasks"][task]
    directory = data_dir(cfg, task)
    encoder, tokenizer = load_encoder(cfg["backbone"])
    encoder.eval()
    n_train, n_val = cfg["probe_examples"]
    train = _subset(load_split(directory, "train"), n_train, cfg["split_seed"])
    val = _subset(load_split(directory, "validation"), n_val, cfg["split_seed"])

    def features(frame):
        ids = encode(tokenizer, frame, tcfg["max_length"])
        feats = {}
        for idx in sequential_order(list(map(len, ids)), 32):
            batch = collate([ids[i] for i in idx], tokenizer.pad_token_id)
            states = encoder(**batch, output_hidden_states=True).hidden_states[1:]
            weights = batch["attention_mask"][..., None].float()
            for depth, h in enumerate(states, start=1):
                for how, f in (("cls", h[:, 0]), ("mean", (h * weights).sum(1) / weights.sum(1))):
                    feats.setdefault((depth, how), np.zeros((len(ids), h.shape[-1])))[idx] = f.numpy()
        return feats

    f_train, f_val = features(train), features(val)
    rows = []
    for (depth, how), x in f_train.items():
        clf = LogisticRegression(max_iter=3000).fit(x, train["label"])
        rows.append({"block": depth, "feature": how, "val_accuracy": float(clf.score(f_val[(depth, how)], val["label"])),
                     "relative_spread": float(x.std(0).mean() / np.abs(x.mean(0)).mean())})
    majority = float(val["label"].value_counts(normalize=True).max())
    write_json(out_path, {"provenance": provenance(cfg, task=task, n_train=len(train), n_val=len(val)),
                          "metrics": {"rows": rows, "majority_class": majority}})
    return {"rows": rows, "majority_class": majority}
