"""LTP as an AD-TP baseline (paper 001's Table 1 and budget figure): trained from the shared dense model.

Two stages, as in Kim et al.: (1) soft masks, thresholds and weights trained together under
CE + lambda * kept share; (2) hard pruning with the thresholds frozen, weights fine-tuned. Each
threshold setting is one operating point; evaluation, FLOPs and timing are the other variants'.
"""
from __future__ import annotations

from pathlib import Path

from ...artefacts import config_hash, load_weights, seed_everything
from ...compute import current
from ...data import tasks
from ...data.batching import labelled_batches
from ...models.ltp import ltp_loss
from ...stats.task_metrics import headline
from ...train import adamw_with_warmup, fit
from .data import encoded_splits
from .evaluate import finish_run, trace
from .model import build
from .plan import HISTORY_EXAMPLES, variants


def train_ltp(cfg: dict, task: str, name: str, seed: int, run_dir, state_dir, dense_dir) -> dict:
    tcfg, tc, lc = cfg["tasks"][task], cfg["train"], cfg["ltp"]
    spec = variants(cfg, task)[name]
    directory = tasks.data_dir(tcfg)
    seed_everything(seed)
    pair = tasks.is_pair(directory)
    model, tokenizer = build(cfg, spec, tasks.n_classes(directory), pair)
    state = load_weights(Path(dense_dir) / "model.safetensors")       # every weight but the thresholds
    model.load_state_dict({**model.state_dict(), **state}, strict=True)
    compute = current()
    model.to(compute.device)
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    x_train, y_train, x_val, y_val = encoded_splits(cfg, task, tokenizer, HISTORY_EXAMPLES)
    batches = labelled_batches(x_train, y_train, tc["batch_size"], seed, pad, sep)
    lr = tcfg.get("lr") or tc["lr"]

    def step_loss(m, batch):
        x, y = batch
        return ltp_loss(m(**x), y, lc["lambda"])

    def evaluate(m):
        mode, m.ltp.mode = m.ltp.mode, "hard"          # history: what the pruned model would score
        tr = trace(m, x_val, pad, sep_id=sep)
        m.ltp.mode = mode
        return {**{f"val_{k}": v for k, v in headline(tr["probs"], y_val).items()},
                "val_kept_share": float((tr["kept"] / tr["length"]).mean())}

    history, train_seconds = [], 0.0
    for stage, epochs in (("soft", lc["soft_epochs"]), ("hard", lc["hard_epochs"])):
        model.ltp.mode = stage
        model.thresholds.requires_grad_(stage == "soft")     # stage 2 keeps the learned thresholds
        steps = epochs * -(-len(x_train) // tc["batch_size"])
        optimizer, scheduler = adamw_with_warmup(model, lr, tc["weight_decay"], tc["warmup_ratio"], steps,
                                                 {"thresholds": lc["threshold_lr"] / lr})
        stage_history = fit(model, optimizer, batches, step_loss, evaluate, epochs, seed,
                            state_path=Path(state_dir) / name / f"seed{seed}.{stage}.pt", desc=f"{task} {name} {stage}",
                            scheduler=scheduler, resume_key=config_hash([cfg, task, name, seed, stage]), compute=compute)
        history += [{**h, "stage": stage} for h in stage_history]
        train_seconds += stage_history[-1]["train_seconds"]      # each stage's history counts its own
    model.ltp.mode = "hard"
    return finish_run(cfg, task, name, seed, model, tokenizer, run_dir, history,
                      {"train_seconds": train_seconds, "train_examples": len(x_train),
                         "thresholds": model.thresholds.detach().cpu().tolist()})
