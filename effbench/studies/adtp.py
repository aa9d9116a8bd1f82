"""AD-TP (paper 001): attribution-driven adaptive token pruning, trained and measured.

Per task and seed:
  dense    the fine-tuned backbone: the teacher, and the backbone every baseline scorer prunes;
  teacher  cache (once): its IG token attributions, logits, and whether it keeps its prediction
           when pruned to each ratio of the candidate grid (the ARP's labels), on the training set;
  adtp     the student: backbone + ARP + TSP, loss (1 - a) CE + a KD + b L_IG + g (L_ARP + L_TSP);
           variants switch one term off (ablation), change the candidate list, the IG steps m,
           or one of a, b, g (sensitivity);
  shallow  the backbone's first blocks distilled from the teacher (the Table 3 comparison).
Evaluation-time methods on the same weights (`evaluate_methods`): the retainer table's static
ratio (every sequence at the ARP's mean ratio) and random ratio (the ARP's ratios shuffled
across sequences), and the dense model pruned by attention, random, IG or leave-one-out
("residual") token scores at a grid of ratios and at the ratio AD-TP chose (matched FLOPs).
"""
from __future__ import annotations

import time
from dataclasses import asdict
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
from ..models.adtp import ADTPClassifier, ADTPSettings, apply_adtp, candidate_ratios, example_flops
from ..models.backbones import load_encoder
from ..models.eat import distillation_loss, truncate_layers
from .eat import is_pair, n_classes_of
from ..models.text_classifier import TextClassifier
from ..pruning import attribution as attr
from ..train import fit

DENSE, SHALLOW, ADTP = "dense", "shallow", "adtp"
STATIC, RANDOM_RATIO = "adtp_static", "adtp_random_ratio"
ABLATIONS = {"adtp_no_teacher": {"teacher": False}, "adtp_no_ce": {"ce": False}, "adtp_no_logit": {"alpha": 0.0},
             "adtp_no_ig": {"beta": 0.0}, "adtp_no_retainer": {"gamma": 0.0}}
SCORERS = ("attention", "random", "ig", "residual")
HISTORY_EXAMPLES = 128


# ------------------------------------------------------------------ what runs
def variants(cfg: dict, task: str) -> dict[str, dict]:
    """Trained variants of one task: name -> spec (kind, loss weights, m, list length, seeds, group)."""
    t, a = cfg["tasks"][task], cfg["adtp"]
    seeds = t["seeds"]
    main = {"kind": "adtp", "alpha": cfg["loss"]["alpha"], "beta": cfg["loss"]["beta"], "gamma": cfg["loss"]["gamma"],
            "ce": True, "teacher": True, "ig_steps": a["ig_steps"], "n_candidates": a["n_candidates"]}
    out = {DENSE: {"kind": "dense", "seeds": seeds, "group": "main"},
           SHALLOW: {"kind": "shallow", "seeds": seeds, "group": "main"},
           ADTP: {**main, "seeds": seeds, "group": "main"}}
    extra = set(t["extras"])
    if "ablation" in extra:
        out.update({name: {**main, **off, "seeds": seeds[:1], "group": "ablation"} for name, off in ABLATIONS.items()})
    if "candidates" in extra:
        out.update({f"adtp_list{n}": {**main, "n_candidates": n, "seeds": seeds[:1], "group": "candidates"}
                    for n in cfg["candidate_lists"] if n != a["n_candidates"]})
    if "ig_steps" in extra:
        out.update({f"adtp_m{m}": {**main, "ig_steps": m, "seeds": seeds[:1], "group": "ig_steps"}
                    for m in cfg["ig_steps_grid"] if m != a["ig_steps"]})
    if "sensitivity" in extra:
        for weight, values in cfg["sensitivity"].items():
            for v in values:
                if v != main[weight]:
                    out.setdefault(f"adtp_{weight}{v:g}", {**main, weight: v, "seeds": seeds[:1], "group": "sensitivity"})
    return out


def runs_root(task: str) -> str:
    """Where a task's runs live: results/adtp/runs/<task>/<variant>/seed<k>/ (one DVC-cached tree
    for all tasks, beside teacher/, evaluated/ and cost/; tables and figures under results/adtp/<task>/)."""
    return f"results/adtp/runs/{task}"


def data_dir(cfg: dict, task: str) -> str:
    t = cfg["tasks"][task]
    if t["source"] == "glue":
        return f"data/text/glue/{t['glue_task']}"
    return f"data/text/{t['source']}"


def ratio_grid(cfg: dict, task: str) -> list[float]:
    """Every candidate ratio of every list the task trains with: the teacher is pruned to each once."""
    lists = {cfg["adtp"]["n_candidates"], *(cfg["candidate_lists"] if "candidates" in cfg["tasks"][task]["extras"] else [])}
    return sorted({r for n in lists for r in candidate_ratios(n)})


def binary_task(cfg: dict, task: str) -> bool:
    """From the source alone (the DAG is built before any data exists)."""
    t = cfg["tasks"][task]
    return t["source"] in ("rotten_tomatoes", "spam") or (t["source"] == "glue" and t["glue_task"] not in ("MNLI", "STS-B"))


GROUP_TABLES = ("ablation", "candidates", "ig_steps", "sensitivity")


def group_tables(cfg: dict, task: str) -> list[str]:
    return [g for g in GROUP_TABLES if g in cfg["tasks"][task]["extras"]]


def targets(cfg: dict) -> list[str]:
    """Every table and figure of the study (what `snakemake adtp` builds)."""
    out = ["results/adtp/tables/summary.csv"]
    for task in cfg["run_tasks"]:
        t = cfg["tasks"][task]
        root = f"results/adtp/{task}"
        out += [f"{root}/tables/{name}.csv" for name in ("methods", "retainer", "consistency")]
        out += [f"{root}/tables/{g}.csv" for g in group_tables(cfg, task)]
        out.append(f"{root}/figures/budget.png")
        if "sensitivity" in t["extras"]:
            out.append(f"{root}/figures/sensitivity.png")
        if binary_task(cfg, task):
            out.append(f"{root}/significance.csv")
    return out


def joined_inputs(config: dict, task: str) -> dict:
    """The entropy gate's and EAT's tables on the same offline task, when they exist in this
    config (adtp.join_other_studies): their rows join the methods table for reference."""
    a = config["adtp"]
    if not a["join_other_studies"] or a["tasks"][task]["source"] != "rotten_tomatoes":
        return {}
    out = {}
    if config["text_gate"]["source"] == "rotten_tomatoes":
        out["text_gate"] = "results/text_gate/tables/table3.csv"
    eat_tasks = [name for name, t in config["eat"]["tasks"].items() if t["source"] == "rotten_tomatoes"]
    if eat_tasks:
        out["eat"] = f"results/eat/{eat_tasks[0]}/tables/frontier.csv"
    return out


def split_frame(cfg: dict, task: str, split: str) -> pd.DataFrame:
    t = cfg["tasks"][task]
    size = {"train": t["train_subset"], "validation": t["eval_subset"], "test": t["test_subset"]}[split]
    frame = subsample(load_split(data_dir(cfg, task), split), size, cfg["split_seed"])
    if frame.empty:
        raise RuntimeError(f"task {task!r} has no {split} data in {data_dir(cfg, task)}: see its stats.json "
                           "(was the source package fetched? apt / npm may be missing on this machine)")
    return frame


def prepare_newsgroups(cfg: dict, out_dir, val_fraction: float = 0.1) -> dict:
    """20 Newsgroups (hub or a local copy): validation cut from train, the official test split as test."""
    from sklearn.model_selection import train_test_split

    from ..artefacts import write_json
    from ..data import text as text_data

    ng = cfg["newsgroups"]
    raw = text_data.load_newsgroups(ng["source"], ng["local_dir"])
    train, val = train_test_split(raw["train"], test_size=val_fraction, random_state=cfg["split_seed"],
                                  stratify=raw["train"]["label"])
    splits = {"train": train.reset_index(drop=True), "validation": val.reset_index(drop=True), "test": raw["test"]}
    for name, frame in splits.items():
        write_csv(Path(out_dir) / f"{name}.csv", frame)
    _, tokenizer = load_encoder(cfg["backbone"])
    stats = {"n_classes": int(raw["train"]["label"].nunique()), **text_data.split_statistics(splits, tokenizer)}
    write_json(Path(out_dir) / "stats.json", {"provenance": provenance(cfg, seed=cfg["split_seed"], source=ng["source"],
                                                                       dataset=text_data.NEWSGROUPS_HUB), "metrics": stats})
    return stats


# ------------------------------------------------------------------ models
def settings(cfg: dict, spec: dict, sep_token_id=None) -> ADTPSettings:
    a = cfg["adtp"]
    return ADTPSettings(prune_after=list(a["prune_after"]), n_candidates=spec.get("n_candidates", a["n_candidates"]),
                        tsp_hidden=a["tsp_hidden"], sep_token_id=sep_token_id)


def build(cfg: dict, spec: dict, n_classes: int, pair: bool = False):
    encoder, tokenizer = load_encoder(cfg["backbone"])
    model = TextClassifier(encoder, n_classes, cfg["dropout"])
    if spec["kind"] == "shallow":
        truncate_layers(model, cfg["shallow_layers"])
    elif spec["kind"] == "adtp":
        apply_adtp(model, settings(cfg, spec, tokenizer.sep_token_id if pair else None))
    return model, tokenizer


def load_trained(cfg: dict, task: str, name: str, run_dir):
    directory = data_dir(cfg, task)
    model, tokenizer = build(cfg, variants(cfg, task)[name], n_classes_of(directory), is_pair(directory))
    model.load_state_dict(load_file(Path(run_dir) / "model.safetensors"), strict=True)
    return model.eval(), tokenizer


def as_pruner(cfg: dict, dense: TextClassifier, tokenizer, pair: bool) -> ADTPClassifier:
    """The dense model with the pruning path (its ARP / TSP unused: ratio and scores are given)."""
    torch.manual_seed(0)
    return apply_adtp(dense, settings(cfg, {}, tokenizer.sep_token_id if pair else None)).eval()


def special_ids(tokenizer) -> list[int]:
    return [tokenizer.cls_token_id, tokenizer.sep_token_id]


# ------------------------------------------------------------------ teacher cache
def _padded(rows: list[np.ndarray], width: int) -> np.ndarray:
    out = np.zeros((len(rows), width), np.float32)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def token_attributions(model, encoded, labels, tokenizer, steps: int, top_k_dims=None, batch_size: int = 32,
                       sep_id=None) -> list[np.ndarray]:
    """Per example: the L2 norm of each token's IG (captum, m steps, [PAD] baseline) for its label."""
    pad = tokenizer.pad_token_id
    out = [None] * len(encoded)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = collate([encoded[i] for i in idx], pad, sep_id)
        ig = attr.integrated_gradients(model, batch, torch.as_tensor(labels[idx]), steps, pad, special_ids(tokenizer))
        magnitude = attr.token_magnitude(ig.detach(), top_k_dims).numpy()
        for row, i in enumerate(idx):
            out[i] = magnitude[row, : len(encoded[i])]
    return out


@torch.no_grad()
def agreement_under_pruning(pruner: ADTPClassifier, encoded, scores: list[np.ndarray], grid, pad, sep_id=None,
                            batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(unpruned prediction (n,), agrees (n, len(grid))): does the model pruned to each ratio
    by these token scores keep its unpruned prediction?"""
    pred = np.zeros(len(encoded), int)
    agrees = np.zeros((len(encoded), len(grid)), bool)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = collate([encoded[i] for i in idx], pad, sep_id)
        s = torch.as_tensor(_padded([scores[i] for i in idx], batch["input_ids"].shape[1]))
        full = pruner(**batch, ratio=1.0, scores=s)["logits"].argmax(-1)
        pred[idx] = full.numpy()
        for j, r in enumerate(grid):
            agrees[idx, j] = (pruner(**batch, ratio=r, scores=s)["logits"].argmax(-1) == full).numpy()
    return pred, agrees


def teacher_cache(cfg: dict, task: str, seed: int, dense_dir, out_path) -> dict:
    """Teacher attributions, logits and ARP labels on the training examples, computed once."""
    seed_everything(seed)
    directory = data_dir(cfg, task)
    pair = is_pair(directory)
    teacher, tokenizer = load_trained(cfg, task, DENSE, dense_dir)
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    train = split_frame(cfg, task, "train")
    x, y = encode(tokenizer, train, cfg["tasks"][task]["max_length"]), train["label"].to_numpy()
    a = cfg["adtp"]
    t0 = time.perf_counter()
    magnitudes = token_attributions(teacher, x, y, tokenizer, a["teacher_ig_steps"], a["teacher_top_k_dims"], sep_id=sep)
    ig_seconds = time.perf_counter() - t0
    logits = np.zeros((len(x), n_classes_of(directory)), np.float32)
    with torch.no_grad():
        for idx in sequential_order(list(map(len, x)), 64):
            logits[idx] = teacher(**collate([x[i] for i in idx], pad, sep))["logits"].numpy()
    grid = ratio_grid(cfg, task)
    pred, agrees = agreement_under_pruning(as_pruner(cfg, teacher, tokenizer, pair), x, magnitudes, grid, pad, sep)
    write_npz(out_path, attributions=_padded(magnitudes, cfg["tasks"][task]["max_length"]),
              length=np.array(list(map(len, x))), logits=logits, pred=pred, agrees=agrees, grid=np.array(grid))
    lists = {cfg["adtp"]["n_candidates"], *(cfg["candidate_lists"] if "candidates" in cfg["tasks"][task]["extras"] else [])}
    label_share = {}     # how the ARP's labels spread over each candidate list (a skew the ARP can collapse to)
    for n in sorted(lists):
        labels = attr.retention_targets(torch.as_tensor(agrees), grid, candidate_ratios(n)).numpy()
        label_share[str(n)] = dict(zip(map(str, candidate_ratios(n)), (np.bincount(labels, minlength=n) / len(labels)).tolist()))
    summary = {"ig_seconds": ig_seconds, "n": len(x), "teacher_train_accuracy": float((pred == y).mean()),
               "agree_share_by_ratio": dict(zip(map(str, grid), agrees.mean(0).tolist())),
               "arp_label_share": label_share}
    write_json(Path(out_path).with_suffix(".json"), {"provenance": provenance(cfg, seed=seed, task=task),
                                                     "metrics": summary})
    return summary


# ------------------------------------------------------------------ training
def adtp_loss(model: ADTPClassifier, out: dict, batch: dict, labels, spec: dict, teacher: dict | None, kappa: float,
              pad_id: int, specials, temperature: float) -> torch.Tensor:
    """L = (1 - a) CE + a KD + b MSE(a_student, fused) + g (CE(ARP, label) + MSE(TSP, fused)).
    teacher: this batch's logits, raw attributions and ARP labels (None: no teacher, kappa = 1)."""
    mask = batch["attention_mask"].bool()
    alpha, beta, gamma = spec["alpha"], spec["beta"], spec["gamma"]
    loss = out["logits"].new_zeros(())
    if spec["ce"]:
        loss = loss + (1 - alpha) * F.cross_entropy(out["logits"], labels)
    use_teacher = spec["teacher"] and teacher is not None
    if use_teacher and alpha > 0:
        loss = loss + alpha * distillation_loss(out["logits"], teacher["logits"], temperature)
    a_teacher = attr.dual_normalise(teacher["attributions"], mask) if use_teacher else None
    if not use_teacher:
        kappa = 1.0
    train_ig = use_teacher and beta > 0 and kappa < 1          # L_IG is 0 when the fused target is the student
    a_student = None
    if train_ig or (gamma > 0 and kappa > 0):
        ig = attr.differentiable_ig(model, batch, labels, spec["ig_steps"], pad_id, specials, create_graph=train_ig)
        a_student = attr.dual_normalise(attr.token_magnitude(ig), mask)
    fused = attr.fuse(a_teacher, None if a_student is None else a_student.detach(), kappa)
    if train_ig:
        loss = loss + beta * attr.masked_mse(a_student, fused, mask)
    if gamma > 0:
        loss = loss + gamma * (F.cross_entropy(out["arp_logits"], teacher["arp_target"])
                               + attr.masked_mse(out["tsp"], fused, mask))
    return loss


def train_seed(cfg: dict, task: str, name: str, seed: int, run_dir, state_dir, dense_dir=None, cache_path=None) -> dict:
    tcfg, tc = cfg["tasks"][task], cfg["train"]
    spec = variants(cfg, task)[name]
    directory = data_dir(cfg, task)
    seed_everything(seed)
    pair = is_pair(directory)
    # init: the student and the shallow model start from the pretrained backbone ("pretrained") or
    # from the dense fine-tuned teacher of their seed ("dense")
    model, tokenizer = build(cfg, spec, n_classes_of(directory), pair)
    if spec["kind"] != "dense" and cfg["init"] == "dense":
        # every weight the variant shares with the dense model comes from it (the shallow model: its first
        # blocks); only the retainer's new heads start fresh
        state, own = load_file(Path(dense_dir) / "model.safetensors"), model.state_dict()
        fresh = [k for k in own if k not in state and not k.startswith(("arp.", "tsp."))]
        if fresh:
            raise RuntimeError(f"dense checkpoint lacks weights of {name}: {fresh[:5]}")
        model.load_state_dict({**own, **{k: v for k, v in state.items() if k in own}}, strict=True)
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    train = split_frame(cfg, task, "train")
    val = split_frame(cfg, task, "validation").head(HISTORY_EXAMPLES)
    x_train, x_val = encode(tokenizer, train, tcfg["max_length"]), encode(tokenizer, val, tcfg["max_length"])
    y_train, y_val = train["label"].to_numpy(), val["label"].to_numpy()
    lengths = list(map(len, x_train))
    teacher = None
    if spec["kind"] in ("adtp", "shallow"):
        with np.load(cache_path) as z:
            teacher = {"logits": torch.as_tensor(z["logits"]), "attributions": torch.as_tensor(z["attributions"])}
            if spec["kind"] == "adtp":
                teacher["arp_target"] = attr.retention_targets(torch.as_tensor(z["agrees"]), z["grid"].tolist(),
                                                               candidate_ratios(spec["n_candidates"]))
    epochs = tc["dense_epochs"] if spec["kind"] == "dense" else tc["epochs"]
    steps_per_epoch = -(-len(x_train) // tc["batch_size"])
    total_steps = epochs * steps_per_epoch
    specials = special_ids(tokenizer)

    def batches(epoch):
        rng = np.random.default_rng([seed, epoch])
        for step, idx in enumerate(bucketed_order(lengths, tc["batch_size"], rng)):
            yield collate([x_train[i] for i in idx], pad, sep), torch.as_tensor(y_train[idx]), idx, epoch * steps_per_epoch + step

    def step_loss(m, batch):
        x, y, idx, step = batch
        out = m(**x)
        if spec["kind"] == "dense":
            return F.cross_entropy(out["logits"], y)
        if spec["kind"] == "shallow":
            return (1 - cfg["loss"]["alpha"]) * F.cross_entropy(out["logits"], y) + cfg["loss"]["alpha"] * \
                distillation_loss(out["logits"], teacher["logits"][idx], cfg["loss"]["temperature"])
        width = x["input_ids"].shape[1]
        rows = {"logits": teacher["logits"][idx], "attributions": teacher["attributions"][idx, :width],
                "arp_target": teacher["arp_target"][idx]}
        kappa = attr.kappa_at(step, total_steps, *cfg["adtp"]["kappa"])
        return adtp_loss(m, out, x, y, spec, rows, kappa, pad, specials, cfg["loss"]["temperature"])

    def evaluate(m):
        tr = trace(m, x_val, pad, sep_id=sep)
        return {"val_accuracy": float((tr["probs"].argmax(1) == y_val).mean()), "val_mean_ratio": float(tr["ratio"].mean())}

    optimizer = torch.optim.AdamW(model.parameters(), lr=tcfg.get("lr") or tc["lr"], weight_decay=tc["weight_decay"])
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc["warmup_ratio"] * total_steps), total_steps)
    t0 = time.perf_counter()
    history = fit(model, optimizer, batches, step_loss, evaluate, epochs, seed,
                  state_path=Path(state_dir) / name / f"seed{seed}.pt", desc=f"{task} {name} seed {seed}",
                  scheduler=scheduler, resume_key=config_hash([cfg, task, name, seed]))
    train_seconds = time.perf_counter() - t0
    run_dir = Path(run_dir)
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": provenance(cfg, seed=seed, task=task, variant=name),
                                          "history": history})
    return evaluate_run(cfg, task, name, seed, model, tokenizer, run_dir,
                        {"train_seconds_this_process": train_seconds, "train_epochs": epochs,
                         "train_examples": len(x_train)})


# ------------------------------------------------------------------ evaluation
@torch.no_grad()
def trace(model, encoded, pad_id: int, sep_id=None, batch_size: int = 64, ratio=None, scores=None,
          scorer: str | None = None) -> dict:
    """Per example: class probabilities, the ratio used, tokens per block, kept tokens, length
    and analytic FLOPs. ratio: None (ARP), a float, or one per example; scores: a list of
    per-token arrays (None: TSP)."""
    model.eval()
    n, n_layers = len(encoded), len(model.layers)
    probs = np.zeros((n, model.head.out_features))
    ratio_used = np.ones(n)
    tokens = np.zeros((n, n_layers), int)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = collate([encoded[i] for i in idx], pad_id, sep_id)
        if isinstance(model, ADTPClassifier):
            r = ratio if ratio is None or np.isscalar(ratio) else torch.as_tensor(np.asarray(ratio)[idx])
            s = None if scores is None else torch.as_tensor(_padded([scores[i] for i in idx], batch["input_ids"].shape[1]))
            out = model(**batch, ratio=r, scores=s, scorer=scorer)
            ratio_used[idx] = out["ratio"].numpy()
        else:
            out = model(**batch)
        probs[idx] = out["logits"].softmax(-1).numpy()
        tokens[idx] = out["tokens"].numpy()
    length = np.array(list(map(len, encoded)))
    flops = np.array([example_flops(model, t, scorer or ("tsp" if scores is None else "external")) for t in tokens])
    return {"probs": probs, "ratio": ratio_used, "tokens": tokens, "length": length,
            "kept": tokens[:, -1], "flops": flops}


def summarise(tr: dict, labels: np.ndarray) -> dict:
    return {"accuracy": float((tr["probs"].argmax(1) == labels).mean()), "mean_ratio": float(tr["ratio"].mean()),
            "retention": float((tr["kept"] / tr["length"]).mean()), "gflops": float(tr["flops"].mean() / 1e9),
            "n": int(len(labels))}


def write_preds(run_dir, tr: dict, labels: np.ndarray, extra_flops=None) -> None:
    """preds.npz in the shape every statistic reads (probs: class-1 probability on binary tasks)."""
    probs = tr["probs"][:, 1] if tr["probs"].shape[1] == 2 else tr["probs"].max(1)
    write_npz(Path(run_dir) / "preds.npz", ids=np.arange(len(labels)), labels=labels, probs=probs,
              probs_all=tr["probs"], ratio=tr["ratio"], tokens=tr["tokens"], kept=tr["kept"], length=tr["length"],
              flops=tr["flops"], scoring_flops=np.zeros(len(labels)) if extra_flops is None else extra_flops)


def evaluate_run(cfg, task, name, seed, model, tokenizer, run_dir, extra: dict) -> dict:
    pair = is_pair(data_dir(cfg, task))
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    rows, test_trace, test_labels = {}, None, None
    for split in ("validation", "test"):
        frame = split_frame(cfg, task, split)
        tr = trace(model, encode(tokenizer, frame, cfg["tasks"][task]["max_length"]), pad, sep)
        rows[split] = summarise(tr, frame["label"].to_numpy())
        if split == "test":
            test_trace, test_labels = tr, frame["label"].to_numpy()
    write_preds(run_dir, test_trace, test_labels)
    spec = variants(cfg, task)[name]
    metrics = {**rows, **extra, "n_layers": len(model.layers), "spec": spec}
    write_json(Path(run_dir) / "metrics.json",
               {"provenance": provenance(cfg, seed=seed, task=task, variant=name,
                                         settings=asdict(model.adtp) if isinstance(model, ADTPClassifier) else None),
                "metrics": metrics})
    return metrics


def scorer_scores(kind: str, dense: TextClassifier, encoded, labels_for, tokenizer, cfg, sep_id=None,
                  seed: int = 0) -> list | None:
    """Per-example token scores of a baseline scorer on the unpruned dense model (attention: None,
    the pruning forward computes it in place). IG and leave-one-out explain its own prediction."""
    if isinstance(dense, ADTPClassifier):
        raise TypeError("score tokens on the unpruned dense model, not on a pruning one")
    if kind == "attention":
        return None
    if kind == "random":
        rng = np.random.default_rng(seed)
        return [rng.random(len(e)) for e in encoded]
    if kind == "ig":
        return token_attributions(dense, encoded, labels_for, tokenizer, cfg["adtp"]["ig_steps"], None, sep_id=sep_id)
    pad = tokenizer.pad_token_id
    out = [None] * len(encoded)
    for idx in sequential_order(list(map(len, encoded)), 32):
        batch = collate([encoded[i] for i in idx], pad, sep_id)
        s = attr.occlusion_scores(dense, batch, torch.as_tensor(labels_for[idx]), pad, special_ids(tokenizer)).numpy()
        for row, i in enumerate(idx):
            out[i] = s[row, : len(encoded[i])]
    return out


def scoring_flops(kind: str, dense_flops: np.ndarray, length: np.ndarray, ig_steps: int) -> np.ndarray:
    """FLOPs a scorer spends before pruning, on top of the pruned forward: IG m forwards and
    backwards of the dense model (~3x a forward each); leave-one-out one dense forward per token."""
    if kind == "ig":
        return 3.0 * ig_steps * dense_flops
    if kind == "residual":
        return (length - 2).clip(min=0) * dense_flops
    return np.zeros_like(dense_flops)


def evaluate_methods(cfg: dict, task: str, runs_root, out_csv) -> pd.DataFrame:
    """Evaluation-time methods on the test split (first seed): the retainer's static and random
    ratios on the AD-TP weights; each baseline scorer on the dense weights at the ratio grid and
    at AD-TP's own ratios (matched FLOPs). Matched rows are written as runs for the paired tests."""
    t = cfg["tasks"][task]
    seed = t["seeds"][0]
    runs_root = Path(runs_root)
    directory = data_dir(cfg, task)
    pair = is_pair(directory)
    frame = split_frame(cfg, task, "test")
    labels = frame["label"].to_numpy()
    student, tokenizer = load_trained(cfg, task, ADTP, runs_root / ADTP / f"seed{seed}")
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    encoded = encode(tokenizer, frame, t["max_length"])
    adaptive = trace(student, encoded, pad, sep)
    rng = np.random.default_rng(seed)
    methods = {STATIC: trace(student, encoded, pad, sep, ratio=float(adaptive["ratio"].mean())),
               RANDOM_RATIO: trace(student, encoded, pad, sep, ratio=rng.permutation(adaptive["ratio"]))}
    rows = [{"method": ADTP, "scorer": "tsp", "ratio_rule": "adaptive", **summarise(adaptive, labels),
             "scoring_gflops": 0.0}]
    rows += [{"method": k, "scorer": "tsp", "ratio_rule": k.split("_", 1)[1], **summarise(v, labels),
              "scoring_gflops": 0.0} for k, v in methods.items()]
    dense, _ = load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")
    dense_trace = trace(dense, encoded, pad, sep)
    predicted = dense_trace["probs"].argmax(1)            # scorers explain the dense model's own prediction
    pruner = as_pruner(cfg, load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")[0], tokenizer, pair)
    for kind in t["scorers"]:
        scores = scorer_scores(kind, dense, encoded, predicted, tokenizer, cfg, sep, seed)   # on the unpruned model
        extra = scoring_flops(kind, dense_trace["flops"], dense_trace["length"], cfg["adtp"]["ig_steps"])
        for r in [*cfg["baseline_ratios"], "matched"]:
            ratio = adaptive["ratio"] if r == "matched" else float(r)
            tr = trace(pruner, encoded, pad, sep, ratio=ratio, scores=scores, scorer="attention" if kind == "attention" else None)
            name = f"{kind}_{'matched' if r == 'matched' else f'r{float(r):g}'}"
            rows.append({"method": name, "scorer": kind, "ratio_rule": "adaptive (AD-TP's)" if r == "matched" else "static",
                         **summarise(tr, labels), "scoring_gflops": float(extra.mean() / 1e9)})
            if r == "matched":
                methods[name] = tr
                methods[name]["scoring"] = extra
    for name, tr in methods.items():
        run_dir = runs_root / name / f"seed{seed}"
        write_preds(run_dir, tr, labels, tr.get("scoring"))
        write_json(run_dir / "metrics.json", {"provenance": provenance(cfg, seed=seed, task=task, variant=name,
                                                                       note="evaluation-time method, no training"),
                                              "metrics": {"test": summarise(tr, labels)}})
    out = pd.DataFrame(rows)
    dense_g = float(dense_trace["flops"].mean() / 1e9)
    out["flops_reduction_x"] = dense_g / out["gflops"]
    out["flops_reduction_x_with_scoring"] = dense_g / (out["gflops"] + out["scoring_gflops"])
    write_csv(out_csv, out)
    return out


def evaluated_methods(cfg: dict, task: str) -> list[str]:
    """Run directories `evaluate_methods` writes (for the paired tests)."""
    return [STATIC, RANDOM_RATIO] + [f"{k}_matched" for k in cfg["tasks"][task]["scorers"]]


# ------------------------------------------------------------------ TSP vs IG (Table 5)
def tsp_consistency(cfg: dict, task: str, runs_root, out_csv) -> pd.DataFrame:
    """How well the trained TSP ranks and matches IG on validation examples: per-sequence
    Spearman rho (real tokens, [CLS]/[SEP] excluded: their IG is 0 by construction), averaged,
    and MSE against the dual-normalised IG, for the AD-TP model's own IG and the teacher's."""
    from scipy.stats import spearmanr

    t = cfg["tasks"][task]
    seed = t["seeds"][0]
    runs_root = Path(runs_root)
    pair = is_pair(data_dir(cfg, task))
    frame = split_frame(cfg, task, "validation").head(cfg["consistency_examples"])
    student, tokenizer = load_trained(cfg, task, ADTP, runs_root / ADTP / f"seed{seed}")
    teacher, _ = load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    encoded = encode(tokenizer, frame, t["max_length"])
    labels = frame["label"].to_numpy()
    tsp = [None] * len(encoded)
    with torch.no_grad():
        for idx in sequential_order(list(map(len, encoded)), 64):
            out = student(**collate([encoded[i] for i in idx], pad, sep))
            for row, i in enumerate(idx):
                tsp[i] = out["tsp"][row, : len(encoded[i])].numpy()
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


# ------------------------------------------------------------------ cost
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
                    target = self.explainer(**b)["logits"].argmax(-1)
                ig = attr.integrated_gradients(self.explainer, b, target, self.ig_steps, self.tokenizer.pad_token_id,
                                               special_ids(self.tokenizer))
                scores = attr.token_magnitude(ig.detach())
            return self.model(**batch, ratio=self.ratio, scores=scores)
        if self.scorer is None:
            return self.model(**batch, ratio=self.ratio)
        if self.scorer == "random":
            return self.model(**batch, ratio=self.ratio, scores=torch.rand(batch["input_ids"].shape))
        return self.model(**batch, ratio=self.ratio, scorer=self.scorer)


def measure_cost(cfg: dict, task: str, runs_root, out_path, threads: int) -> dict:
    """Counted FLOPs must equal the analytic ones; then batch-1 latency and batched throughput
    of every deployable method, interleaved (leave-one-out is an oracle and is not timed)."""
    from ..cost.flops import count_flops
    from ..cost.text_cost import latency_batch1, throughput, with_speedups
    from ..cost.timing import pin_threads

    threads = pin_threads(threads)
    t, cc = cfg["tasks"][task], cfg["cost"]
    seed = t["seeds"][0]
    runs_root = Path(runs_root)
    pair = is_pair(data_dir(cfg, task))
    student, tokenizer = load_trained(cfg, task, ADTP, runs_root / ADTP / f"seed{seed}")
    dense, _ = load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")
    shallow, _ = load_trained(cfg, task, SHALLOW, runs_root / SHALLOW / f"seed{seed}")
    pad, sep = tokenizer.pad_token_id, tokenizer.sep_token_id if pair else None
    frame = split_frame(cfg, task, "test").head(max(cc["latency_examples"] + cc["warmup"], cc["throughput_examples"]))
    encoded = encode(tokenizer, frame, t["max_length"])
    static = float(read_json(runs_root / ADTP / f"seed{seed}" / "metrics.json")["metrics"]["test"]["mean_ratio"])
    pruner = as_pruner(cfg, load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")[0], tokenizer, pair)
    models = {DENSE: dense, SHALLOW: shallow, ADTP: student, STATIC: Method(student, static)}
    for kind in t["scorers"]:
        if kind != "residual":
            models[f"{kind}_static"] = Method(pruner, static, kind, tokenizer, cfg["adtp"]["ig_steps"], explainer=dense)
    checks = []
    for name in (DENSE, SHALLOW, ADTP):     # analytic FLOPs == torch's counter, per example
        m = models[name]
        for ids in encoded[: cc["flops_examples"]]:
            b = collate([ids], pad, sep)
            with torch.no_grad():
                tokens = m(**b)["tokens"][0].tolist()
            counted, analytic = count_flops(m, **b), example_flops(m, tokens)
            if counted != analytic:
                raise RuntimeError(f"{task}/{name}: analytic FLOPs {analytic} differ from torch's count {counted}")
            checks.append(name)
    n_lat = min(cc["latency_examples"], len(encoded) - cc["warmup"])
    latency = latency_batch1(models, {k: encoded for k in models}, pad, n_lat, cc["warmup"])
    n_thr = min(cc["throughput_examples"], len(encoded))
    sweeps = {b: throughput(models, {k: encoded[:n_thr] for k in models}, pad, b, cc["repeats"]) for b in cc["batch_sizes"]}
    result = {"static_ratio": static, "flops_checked_examples": len(checks), "methods": {}}
    for name in models:
        result["methods"][name] = {
            "latency_b1": latency[name],
            "speedup_b1": latency[DENSE]["mean_ms"] / latency[name]["mean_ms"],
            "throughput": with_speedups(sweeps, name, DENSE)}
    write_json(out_path, {"provenance": provenance(cfg, task=task, threads=threads,
                                                   note="CPU, fp32; latency = mean per example at batch 1 over the first "
                                                        "latency_examples test examples; IG scoring (a backward pass) is "
                                                        "inside the ig method's time; methods interleaved"),
                          "metrics": result})
    return result
