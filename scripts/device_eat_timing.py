"""Device check: EAT against the dense and shallow models on a GPU (the paper timed on one).

Run by hand where a GPU is lent (not part of the DAG):
    python scripts/device_eat_timing.py --export                      # here: writes .device/eat
    python scripts/device_eat_timing.py --bundle .device/eat --out $OUT/eat_gpu.json   # there
The bundle holds the trained EAT checkpoint of the long-document task in fp16 (exit heads
included), the encoder config, the tokenizer, the test split and the CPU evaluation. Dense
and shallow reuse EAT's encoder weights: their cost depends on shapes only, while EAT's exits
depend on its weights, so EAT runs its own. Before timing, EAT's accuracy and exit share at
each tau are recomputed on the GPU and reported beside the CPU values (fp16 weight rounding
may move a few examples across tau).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch


def export(cfg: dict, task: str, bundle: Path) -> None:
    from safetensors.torch import load_file, save_file

    from effbench import paths
    from effbench.data import tasks as text_tasks
    from effbench.models.backbones import load_encoder

    seed = cfg["tasks"][task]["seeds"][0]
    run = Path(paths.run_dir("eat", "eat", seed, task))
    bundle.mkdir(parents=True, exist_ok=True)
    state = load_file(run / "model.safetensors")
    save_file({k: v.half().contiguous() if v.is_floating_point() else v for k, v in state.items()},
              bundle / "eat_fp16.safetensors")
    encoder, tokenizer = load_encoder(cfg["backbone"])
    encoder.config.to_json_file(bundle / "config.json")
    tokenizer.save_pretrained(bundle / "tokenizer")
    directory = Path(text_tasks.data_dir(cfg["tasks"][task]))
    (bundle / "test.csv").write_text((directory / "test.csv").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    (bundle / "expected.json").write_text(json.dumps({
        "task": task, "max_length": cfg["tasks"][task]["max_length"], "taus": cfg["taus"],
        "settings": metrics["provenance"]["settings"], "shallow_layers": cfg["shallow_layers"],
        "cpu": {k: v for k, v in metrics["metrics"].items() if k.startswith("test/")}}))


def build(bundle: Path, kind: str, device, dtype):
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertConfig, BertModel

    from effbench.models.eat import EATSettings, apply_eat
    from effbench.models.text_classifier import TextClassifier, truncate_layers

    expected = json.loads((bundle / "expected.json").read_text())
    config = BertConfig.from_json_file(bundle / "config.json")
    config._attn_implementation = "eager"
    model = TextClassifier(BertModel(config, add_pooling_layer=False), 2)
    settings = EATSettings(**expected["settings"])
    apply_eat(model, settings)
    model.load_state_dict({k: v.float() for k, v in load_file(bundle / "eat_fp16.safetensors").items()}, strict=True)
    if kind != "eat":      # dense and shallow: the same encoder weights, the plain classifier
        plain = TextClassifier(model.encoder, 2)
        plain.head = model.head
        model = truncate_layers(plain, expected["shallow_layers"]) if kind == "shallow" else plain
    return model.to(device=device, dtype=dtype).eval(), AutoTokenizer.from_pretrained(bundle / "tokenizer")


@torch.inference_mode()
def measure(bundle: Path, device: str = "cuda", limit: int = 0) -> dict:
    import pandas as pd

    from effbench.cost.timing import summarise
    from effbench.data.batching import collate, sequential_order

    device = torch.device(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    expected = json.loads((bundle / "expected.json").read_text())
    test = pd.read_csv(bundle / "test.csv", keep_default_na=False)
    test = test.head(limit) if limit else test
    labels = test["label"].to_numpy()
    out = {"device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu", "torch": torch.__version__,
           "task": expected["task"],
           "expected_cpu": expected["cpu"]}
    points = [("dense", None), ("shallow", None)] + [("eat", t) for t in expected["taus"]] + [("eat", None)]
    for dtype_name, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
        models = {}
        for kind in ("dense", "shallow", "eat"):
            models[kind], tok = build(bundle, kind, device, dtype)
        enc = tok(test["text"].tolist(), truncation=True, max_length=expected["max_length"])["input_ids"]

        def move(b):
            return {k: v.to(device) for k, v in b.items()}

        def call(kind, tau, batch):
            return models[kind](**batch, tau=tau) if kind == "eat" else models[kind](**batch)

        for kind, tau in points:
            name = kind if kind != "eat" else f"eat_tau{tau:g}" if tau is not None else "eat_no_exit"
            probs, exits = np.zeros(len(enc)), np.zeros(len(enc))
            for idx in sequential_order(list(map(len, enc)), 64):
                o = call(kind, tau, move(collate([enc[i] for i in idx], 0)))
                probs[idx] = o["logits"].float().softmax(-1)[:, 1].cpu().numpy()
                exits[idx] = o["exit_layer"].cpu().numpy()
            singles = [move(collate([ids], 0)) for ids in enc]
            for b in singles[:30]:
                call(kind, tau, b)
            sync()
            seconds = []
            for b in singles:
                t0 = time.perf_counter()
                call(kind, tau, b)
                sync()
                seconds.append(time.perf_counter() - t0)
            batches = [move(collate([enc[i] for i in idx], 0)) for idx in sequential_order(list(map(len, enc)), 32)]
            for b in batches[:3]:
                call(kind, tau, b)
            sync()
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                for b in batches:
                    call(kind, tau, b)
                sync()
                runs.append(time.perf_counter() - t0)
            out[f"{name}_{dtype_name}"] = {"accuracy": float(((probs > 0.5) == labels).mean()),
                                           "exit_share": float((exits < 6).mean()),
                                           "latency_b1": summarise(seconds),
                                           "throughput_b32_per_s": len(enc) / (summarise(runs)["median_ms"] / 1e3)}
    for dt in ("fp32", "fp16"):
        d = out[f"dense_{dt}"]
        for key in [k for k in out if k.endswith(dt) and isinstance(out[k], dict)]:
            r = out[key]
            r["speedup_b1_mean"] = d["latency_b1"]["mean_ms"] / r["latency_b1"]["mean_ms"]
            r["speedup_b32"] = r["throughput_b32_per_s"] / d["throughput_b32_per_s"]
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path, default=Path(".device/eat"))
    ap.add_argument("--export", action="store_true")
    ap.add_argument("--task", default="spam")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--limit", type=int, default=0, help="first N test examples only (a dry run)")
    args = ap.parse_args()
    if args.export:
        import yaml

        export(yaml.safe_load(Path("config.yaml").read_text())["eat"], args.task, args.bundle)
    else:
        result = measure(args.bundle, args.device, args.limit)
        print(json.dumps({k: {m: v[m] for m in ("accuracy", "exit_share", "speedup_b1_mean", "speedup_b32")}
                          for k, v in result.items() if isinstance(v, dict) and "accuracy" in v}, indent=1))
        if args.out:
            args.out.write_text(json.dumps(result, indent=1))
