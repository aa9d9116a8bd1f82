"""The ViT track: reduced attention equals dense attention on the same support, supports are
per input and head, contiguous, [CLS]-inclusive and of the configured size; corruptions, IoU."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from effbench.data.images import CORRUPTIONS, corrupt, foreground_patches
from effbench.models.vit import ViT, attention_flops, gather_keys
from effbench.pruning.key_support import (
    Selector,
    block_scores,
    cluster_assignments,
    keep_blocks,
    mean_run_length,
    support_from_scores,
)


def _masked_dense(q, k, v, idx):
    """Dense attention with every key outside `idx` masked to -inf: the reference."""
    mask = torch.full(q.shape[:-2] + (k.shape[-2],), float("-inf"), dtype=q.dtype)
    mask.scatter_(-1, idx, 0.0)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]) + mask[..., None, :]
    return torch.softmax(scores, -1) @ v


@pytest.mark.parametrize("impl", ["manual", "sdpa"])
@pytest.mark.parametrize("sparsity", [0.5, 0.75, 0.9])
def test_reduced_attention_equals_dense_attention_restricted_to_the_support(impl, sparsity):
    torch.manual_seed(0)
    model = ViT(patch=4, dim=32, depth=3, heads=2).double().eval()
    x = torch.rand(3, 28, 28, dtype=torch.float64)
    sel = Selector("magnitude", sparsity, 7, [1, 2])
    record = {}
    with torch.no_grad():
        out = model(x, selector=sel, impl=impl, record=record)
        # recompute the same forward with masked dense attention in layers 1 and 2
        attn = model.blocks[1].attn
        h = model.embed(model.patches(x))
        h = torch.cat([model.cls.expand(3, -1, -1), h], 1) + model.pos
        h = model.blocks[0](h)
        for layer in (1, 2):
            blk = model.blocks[layer]
            y = blk.norm1(h)
            b, n, _ = y.shape
            q, k, v = blk.attn.qkv(y).view(b, n, 3, attn.heads, attn.head_dim).permute(2, 0, 3, 1, 4)
            ref = _masked_dense(q, k, v, record["support"][layer])
            h = h + blk.attn.proj(ref.transpose(1, 2).reshape(b, n, -1))
            h = h + blk.mlp(blk.norm2(h))
        expected = model.head(model.norm(h[:, 0]))
    assert torch.allclose(out, expected, atol=1e-10)


def test_gather_keys_picks_rows_per_input_and_head():
    t = torch.arange(2 * 2 * 5 * 3).view(2, 2, 5, 3)
    idx = torch.tensor([[[0, 4], [1, 2]], [[3, 3], [0, 1]]])
    out = gather_keys(t, idx)
    for b in range(2):
        for h in range(2):
            assert torch.equal(out[b, h], t[b, h, idx[b, h]])


def test_supports_are_contiguous_blocks_with_cls_and_the_right_size():
    scores = torch.rand(4, 2, 50)                      # [CLS] + 49 patches
    for block, sparsity in ((1, 0.75), (7, 0.75), (7, 0.5)):
        idx = support_from_scores(scores, block, sparsity)
        assert idx.shape[-1] == 1 + keep_blocks(49, block, sparsity) * block
        assert (idx[..., 0] == 0).all() and (idx[..., 1:] >= 1).all() and (idx <= 49).all()
        assert all(len(set(row.tolist())) == len(row) for row in idx.flatten(0, 1))   # no key twice
        assert mean_run_length(idx, 50) >= block
    with pytest.raises(ValueError, match="does not divide"):
        support_from_scores(scores, 2, 0.5)
    # the top block wins: put all the mass on patches 11-12 (block 5 of size 2)
    scores = torch.zeros(1, 1, 51)
    scores[..., 11:13] = 1.0
    assert set(support_from_scores(scores, 2, 0.96)[0, 0].tolist()) == {0, 11, 12}


def test_block_scores_average_each_block():
    s = torch.tensor([[[1.0, 3.0, 5.0, 7.0, 9.0, 11.0]]])
    assert torch.allclose(block_scores(s, 2), torch.tensor([[[2.0, 6.0, 10.0]]]))


def test_mean_run_length():
    idx = torch.tensor([[[0, 1, 2, 3, 7, 8, 12]]])       # runs 1-3, 7-8, 12 (patch order, [CLS] excluded)
    assert mean_run_length(idx, 14) == pytest.approx(6 / 3)


def test_entropy_selector_keeps_the_heaviest_cluster():
    """Keys in two clusters, the larger near anchor 0: the entropy selector keeps that cluster."""
    d = 4
    anchors = {1: torch.tensor([[[0.0] * d, [10.0] * d]])}                 # (H=1, K=2, d)
    keys = torch.zeros(1, 1, 9, d)
    keys[0, 0, 1:3] = 10.0                                                   # patches 1-2: the small cluster
    sel = Selector("entropy", 0.75, 1, [1], anchors, alpha=5.0)
    idx = sel(1, keys)
    assert idx.shape[-1] == 1 + keep_blocks(8, 1, 0.75)
    assert not ({1, 2} & set(idx[0, 0].tolist()))
    with pytest.raises(ValueError, match="anchors"):
        Selector("entropy", 0.5, 1, [1])


def test_cluster_assignments_match_the_definition():
    k = torch.randn(2, 3, 6, 4, dtype=torch.float64)
    a = torch.randn(3, 5, 4, dtype=torch.float64)
    ref = torch.softmax(-2.0 * ((k[..., None, :] - a[None, :, None]) ** 2).sum(-1) / 4, -1)
    assert torch.allclose(cluster_assignments(k, a, 2.0), ref)


def test_attention_share_grows_with_finer_patches():
    coarse, fine = attention_flops(ViT(patch=4)), attention_flops(ViT(patch=2))
    assert 0 < coarse["attention_share"] < fine["attention_share"] < 1
    assert attention_flops(ViT(patch=4), keys=13)["attention"] == pytest.approx(coarse["attention"] * 13 / 50)


def test_corruptions_and_foreground():
    rng = np.random.default_rng(0)
    x = np.zeros((2, 28, 28), np.float32)
    x[:, 10:18, 12:16] = 1.0
    for kind in CORRUPTIONS:
        for severity in (1, 2, 3):
            y = corrupt(x, kind, severity)
            assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
    assert not np.allclose(corrupt(x, "rotate", 3), x)
    fg = foreground_patches(x, 4)
    assert fg.shape == (2, 49) and fg.sum(1).tolist() == [3, 3]      # rows 10-17 x cols 12-15: patch column 3, rows 2-4
    del rng


def test_idx_reader_and_image_sources(tmp_path):
    import gzip

    from effbench.data.images import load_images, read_idx
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    header = b"\0\0\x08\x03" + b"".join(int(n).to_bytes(4, "big") for n in images.shape)
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + images.tobytes()))
    assert np.array_equal(read_idx(path), images)
    path.write_bytes(gzip.compress(b"\0\0\x0d\x01" + (2).to_bytes(4, "big") + b"\0" * 8))
    with pytest.raises(ValueError, match="unsigned-byte IDX"):
        read_idx(path)
    with pytest.raises(FileNotFoundError, match="fashion_mnist_data"):
        load_images("fashion_mnist", tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="unknown image source"):
        load_images("cifar10")
    x, y = load_images("mnist5k")
    assert x.shape == (5000, 28, 28) and 0 <= x.min() and x.max() <= 1 and set(y) == set(range(10))


def test_hdiff_profile_puts_each_operator_in_one_part():
    from effbench.studies.vit.profile import part_of

    assert [part_of(op) for op in ("aten::bmm", "aten::_softmax", "aten::_softmax_backward_data", "aten::log",
                                   "aten::clamp_min", "aten::copy_")] == \
        ["distances", "softmax", "softmax", "entropy", "entropy", "other"]


def test_faiss_anchor_lookup_gives_the_exact_assignment():
    """FAISS nearest-neighbour search over all K anchors gives cluster_assignments' soft assignment;
    over the nearest anchor only, the hard assignment to the same anchor."""
    from effbench.pruning.key_support import cluster_assignments, nearest_anchor_assignments

    torch.manual_seed(0)
    keys, anchors = torch.randn(2, 3, 17, 8), torch.randn(3, 5, 8)
    exact = cluster_assignments(keys, anchors, 2.0)
    via_faiss = nearest_anchor_assignments(keys, anchors, 2.0)
    assert via_faiss.shape == exact.shape and torch.allclose(via_faiss, exact, atol=1e-5)
    hard = nearest_anchor_assignments(keys, anchors, 2.0, r=1)
    assert torch.equal(hard.argmax(-1), exact.argmax(-1)) and torch.equal(hard.sum(-1), torch.ones(2, 3, 17))
    assert set(hard.unique().tolist()) == {0.0, 1.0}


def test_the_output_regularisers_train_beside_der_and_prune_by_magnitude():
    from effbench.config_sources import merged
    from effbench.studies.vit.plan import METHODS, OUTPUT_BASELINES, variants

    cfg = {**merged()["vit"], "output_baselines": {"output_entropy": 0.1, "label_smoothing": 0.1}}   # the paper scale's
    v = variants(cfg)
    for kind in OUTPUT_BASELINES:
        assert v[kind] == {"kind": kind, "lambda": cfg["output_baselines"][kind], "patch": cfg["model"]["patch"],
                           "seeds": cfg["seeds"]}
        assert METHODS[kind] == "magnitude"
    assert not set(OUTPUT_BASELINES) & set(variants({**cfg, "output_baselines": {}}))


def test_the_papers_cifar_through_a_local_copy_in_the_hubs_layout(tmp_path):
    """CIFAR-100 as the hub serves it (parquet shards: `img`, `fine_label`) becomes the .npz the ViT
    reads: the hub's own test split, validation cut from train, RGB in [0, 1]; the RGB ViT,
    corruptions and CIFAR's crop-and-flip augmentation take (N, 32, 32, 3) images."""
    import sys

    from effbench.config import ROOT
    from effbench.data.hub_images import prepare
    from effbench.data.images import splits
    from effbench.data.text import DataSourceError
    from effbench.studies.vit.train import augment

    sys.path.insert(0, str(ROOT / "scripts"))
    from micro_fixture import write_cifar

    write_cifar(tmp_path / "cifar100", {"train": 120, "test": 40})
    info = prepare("cifar100", tmp_path / "c.npz", tmp_path / "cifar100")
    assert (info["train"], info["test"], info["classes"]) == (120, 40, 100)
    data = splits(20, 1000, 0, "cifar100", tmp_path / "c.npz")
    assert [len(data[s][1]) for s in ("train", "validation", "test")] == [100, 20, 40]   # test: the hub's whole split
    x = data["test"][0]
    assert x.shape == (40, 32, 32, 3) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert len(splits(20, 10, 0, "cifar100", tmp_path / "c.npz")["test"][1]) == 10
    for kind in CORRUPTIONS:
        assert corrupt(x, kind, 3).shape == x.shape
    red = x[:1].copy()
    red[..., 1:] = 0
    for kind in ("blur", "rotate"):                                   # colour channels are never mixed
        assert not corrupt(red, kind, 3)[..., 1:].any() and corrupt(red, kind, 3)[..., 0].any()
    model = ViT(image=32, patch=4, dim=16, depth=2, heads=2, classes=100, channels=3)
    assert model.tokens == 65 and model(torch.from_numpy(x[:3])).shape == (3, 100)
    assert attention_flops(model)["rest"] > 0
    images = torch.arange(2 * 4 * 4 * 3, dtype=torch.float32).view(2, 4, 4, 3) + 1
    out = augment(images, padding=1, flip=True)
    assert out.shape == images.shape
    for a, b in zip(out, images):                                     # a shifted window of the (maybe flipped) image
        values = set(a.flatten().tolist()) - {0.0}
        assert values <= set(b.flatten().tolist()) and len(values) >= 9 * 3
    with pytest.raises(DataSourceError, match="train-\\*.parquet"):
        prepare("cifar100", tmp_path / "d.npz", tmp_path)
    with pytest.raises(ValueError, match="does not divide"):
        ViT(image=32, patch=7)


def _tiny_vit_runs(root, cfg, n_images=60):
    """Every file vit_tables reads, for dense / L1 / entropy over the configured seeds on n_images
    test images: per-image correctness (entropy near 100%, seeds apart) and IoU, eval.csv as their
    means, a cost table and metrics. Returns the (variant, seed) -> per-image arrays written."""
    from effbench.artefacts import write_csv, write_json, write_npz
    from effbench.studies.vit.plan import EXAMPLES, example_key

    rng = np.random.default_rng(0)
    base = {"dense": 0.80, "l1": 0.85, "entropy": 0.97}
    examples, cost = {}, []
    for v, p in base.items():
        kinds = ["magnitude"] + (["entropy", "combined"] if v == "entropy" else [])
        for seed in cfg["seeds"]:
            arrays, rows = {}, []
            p_seed = min(p + 0.02 * (seed - 1), 0.995)
            for kind in kinds:
                for sp in ([0.0] if kind == kinds[0] else []) + list(cfg["inference"]["sparsities"]):
                    selector = kind if sp > 0 else "none"
                    arrays[example_key("correct", selector, sp)] = rng.random(n_images) < p_seed
                    arrays[example_key("iou", selector, sp)] = rng.random(n_images).astype(np.float32)
                    rows.append({"variant": v, "seed": seed, "selector": selector, "sparsity": sp,
                                 "accuracy": arrays[example_key("correct", selector, sp)].mean(),
                                 "iou": arrays[example_key("iou", selector, sp)].mean(), "mean_block_length": 7.0})
            for c in CORRUPTIONS:
                for sev in (1, 2, 3):
                    for mode in ("dense", "sparse"):
                        arrays[example_key("correct", f"corruption:{mode}", c, sev)] = rng.random(n_images) < p_seed - 0.1 * sev
            run = root / "results/vit/runs" / v / f"seed{seed}"
            write_csv(run / "eval.csv", pd.DataFrame(rows))
            write_npz(run / EXAMPLES, **arrays)
            write_json(run / "metrics.json", {"provenance": {"variant": v, "seed": seed},
                                              "metrics": {"seconds_per_epoch": 1.0, "train_seconds": 10.0}})
            examples[v, seed] = arrays
        for impl in ("manual", "sdpa"):
            for mode in ("dense", "sparse"):
                for batch in (1, 64):
                    cost.append({"variant": v, "impl": impl, "mode": mode, "batch": batch, "median_ms": 2.0 - (mode == "sparse"),
                                 "speedup_vs_dense_manual": 1 + (mode == "sparse"), "speedup_vs_dense_manual_ci_low": 0.9,
                                 "speedup_vs_dense_manual_ci_high": 2.2, "speedup_vs_dense_manual_ci_method": "repeats",
                                 "images_per_s": 100.0, "flops_total": 10.0, "flops_total_sparse": 8.0, "kept_keys": 13,
                                 "tokens": 50, "flops_attention_share": 0.3, "attention_matrix_mb": 1.0})
    write_csv(root / "results/vit/cost.csv", pd.DataFrame(cost))
    return examples


def test_the_vit_accuracy_intervals_are_two_level_bootstraps_inside_0_100(tmp_path):
    """Tables 4, 5, 19 and robustness from per-image evaluations: each accuracy's interval is
    stats.intervals.two_level_bootstrap over the seeds' correctness, inside [0, 100], with the per-seed
    values beside it (not a t-interval over three seed means, which crossed 100); mCE's is a two-level
    bootstrap too, the dense model 100 by construction."""
    from effbench.config import ROOT
    from effbench.config_sources import merged
    from effbench.stats.intervals import two_level_bootstrap
    from effbench.studies.vit.plan import example_key
    from effbench.studies.vit.tables import write_tables

    cfg = {**merged()["vit"], "output_baselines": {}, "fine_patch": 0}
    cfg["lambda_grid"] = [cfg["regularizer"]["lambda"]]
    examples = _tiny_vit_runs(tmp_path, cfg)
    runs = sorted((tmp_path / "results/vit/runs").glob("*/seed*"))
    tables = write_tables(cfg, [r / "eval.csv" for r in runs], [r / "per_example.npz" for r in runs],
                          tmp_path / "results/vit/cost.csv", [r / "metrics.json" for r in runs],
                          ROOT / "claims", tmp_path / "tables")
    s = cfg["inference"]["headline_sparsity"]
    for name, col in (("table4", "top_1"), ("table5", "top_1_acc"), ("table19", "accuracy")):
        t = tables[name]
        assert (t[f"{col}_ci_method"] == "two_level_bootstrap").all() and (t["n_seeds"] == len(cfg["seeds"])).all()
        assert ((0 <= t[f"{col}_ci_low"]) & (t[f"{col}_ci_low"] <= t[col]) & (t[col] <= t[f"{col}_ci_high"])
                & (t[f"{col}_ci_high"] <= 100)).all()
        assert (t[f"{col}_ci_high"] > t[f"{col}_ci_low"]).all()
        assert t[f"{col}_per_seed"].str.split(" / ").str.len().eq(len(cfg["seeds"])).all()
    ours = tables["table4"].set_index("variant").loc["entropy"]
    correct = np.vstack([examples["entropy", k][example_key("correct", "entropy", s)] for k in cfg["seeds"]])
    r = two_level_bootstrap(np.ones(correct.shape[1]), correct.astype(float), "accuracy", 2000)
    assert ours["top_1"] == pytest.approx(100 * r["estimate"])
    assert (ours["top_1_ci_low"], ours["top_1_ci_high"]) == (pytest.approx(100 * r["ci_low"]), pytest.approx(100 * r["ci_high"]))
    assert ours["top_1_per_seed"] == " / ".join(f"{100 * v:.4g}" for v in r["per_seed"])
    rob = tables["robustness"].set_index("row")
    assert (rob["mce_ci_method"] == "two_level_bootstrap").all() and (rob["iou_ci_method"] == "two_level_bootstrap").all()
    dense = rob[rob["variant"] == "dense"]
    assert np.allclose(dense[["mce", "mce_ci_low", "mce_ci_high"]], 100)
    others = rob[rob["variant"] != "dense"]
    assert ((0 <= others["mce_ci_low"]) & (others["mce_ci_low"] < others["mce"]) & (others["mce"] < others["mce_ci_high"])).all()
    assert ((0 <= rob["iou_ci_low"]) & (rob["iou_ci_high"] <= 1)).all()
    assert (tmp_path / "tables" / "table4.csv").exists()
    t5 = tables["table5"]                        # the wall-clock speed-up with the cost job's interval over its repeats
    assert (t5["wall_clock_speedup_ci_low"] == 0.9).all() and (t5["wall_clock_speedup_ci_method"] == "repeats").all()
    t6 = tables["table6"]                        # three trainings a variant: too few runs for an interval
    assert t6["runtime_overhead_naive"].eq(0).all() and t6["runtime_overhead_naive_ci_low"].isna().all()
    assert t6["runtime_overhead_naive_ci_method"].str.contains("fewer than").all()


def test_the_hdiff_profile_runs_where_the_vit_trained(tmp_path, monkeypatch):
    """Issue 30: App. G.4 was profiled on the CPU whatever the ViT trained on; it now follows the run's
    provenance, and a job without the GPU the run trained on is refused by name, not timed on a CPU."""
    from effbench import compute
    from effbench.artefacts import write_json
    from effbench.studies.vit.profile import profile_device, trained_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    write_json(tmp_path / "gpu" / "metrics.json", {"provenance": {"compute": {"device": "cuda:0"}}, "metrics": {}})
    write_json(tmp_path / "cpu" / "metrics.json", {"provenance": {"compute": {"device": "cpu"}}, "metrics": {}})
    assert trained_device(tmp_path / "gpu") == torch.device("cuda")
    compute.configure({"device": "auto"})
    try:
        assert profile_device(tmp_path / "cpu") == torch.device("cpu")
        with pytest.raises(RuntimeError, match="gpu/metrics.json: the ViT trained on a GPU and this job sees none"):
            profile_device(tmp_path / "gpu")
    finally:
        compute.configure(None)


def test_a_record_keeps_only_what_it_asks_for_and_no_view_of_qkv():
    """Issue 30: every forward kept `k` of every layer, a view that keeps the whole qkv output (3x the keys)
    alive; a record now keeps the keys of the layers it names only, cloned outside autograd."""
    from effbench.models.vit import recording

    model = ViT(image=8, patch=2, dim=8, depth=3, heads=2, classes=3).eval()
    x = torch.rand(4, 8, 8)
    with torch.no_grad():
        record = {}
        model(x, record=record)
        assert record == {}                                            # asked for nothing: nothing kept
        record = recording("keys", layers=[1])
        model(x, record=record)
        k = record["keys"][1]
        assert set(record["keys"]) == {1} and "attn" not in record
        assert k.untyped_storage().nbytes() == k.numel() * k.element_size()     # its own storage, not qkv's
    record = recording("keys", layers=[0, 2])
    model(x, record=record)
    assert set(record["keys"]) == {0, 2} and record["keys"][0].requires_grad   # training: the graph's own view


def _eval_cfg(batch):
    return {"inference": {"sparse_layers": [1, 2]}, "eval_batch_size": batch}


def test_batched_evaluation_scores_what_one_pass_scores():
    """Correctness, IoU with the digit and block lengths per image are the same in batches of 7 as in one
    pass of 40 images (the supports' run counts are summed over batches)."""
    from effbench.data.images import foreground_patches
    from effbench.pruning.key_support import Selector, mean_run_length
    from effbench.studies.vit.evaluate import score

    torch.manual_seed(0)
    model = ViT(image=16, patch=4, dim=16, depth=3, heads=2, classes=3).eval()
    images = np.random.default_rng(0).random((40, 16, 16)).astype(np.float32)
    x, y = torch.from_numpy(images), torch.from_numpy(np.arange(40) % 3)
    fg = torch.from_numpy(foreground_patches(images, 4))
    sel = Selector("magnitude", 0.5, 4, [1, 2])
    with torch.inference_mode():
        one, parts = (score(_eval_cfg(b), model, x, y, sel, fg, 0.5) for b in (0, 7))
    assert torch.equal(one["correct"], parts["correct"]) and torch.allclose(one["iou"], parts["iou"])
    assert one["runs"] == parts["runs"] and one["runs"][1][1] > 0
    assert mean_run_length(None, model.tokens, one["runs"][2]) == pytest.approx(
        float(np.mean([mean_run_length(s, model.tokens) for s in [one["support"][2]]])))
    assert {k: v.shape[-1] for k, v in one["support"].items()} == {k: v.shape[-1] for k, v in parts["support"].items()}


_PEAK = """
import torch
from effbench.data.images import foreground_patches
from effbench.models.vit import ViT
from effbench.pruning.key_support import Selector
from effbench.studies.vit.evaluate import score
torch.manual_seed(0)
model = ViT(image=32, patch=4, dim=32, depth=3, heads=4, classes=3).eval()
x = torch.rand(2048, 32, 32)                       # every input allocated before the first measurement
y, fg = torch.zeros(2048, dtype=torch.long), torch.from_numpy(foreground_patches(x.numpy(), 4))
sel = Selector("magnitude", 0.5, 8, [1, 2])
def hwm():                                           # this process's peak RSS (kB) since the last reset
    return int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
def reset():                                         # the peak back to the current RSS (Linux clear_refs 5)
    open("/proc/self/clear_refs", "w").write("5")
peaks = []
with torch.inference_mode():
    for n, batch in ((64, 64), (256, 64), (2048, 64), (2048, 0)):
        reset()
        base = hwm()
        score({"inference": {"sparse_layers": [1, 2]}, "eval_batch_size": batch}, model, x[:n], y[:n], sel, fg[:n], 0.5)
        peaks.append(hwm() - base)                   # what this pass added at its peak
print(*peaks)
"""


def test_a_recorded_evaluation_pass_grows_with_its_batch_not_with_the_split():
    """Issue 30: the paper's ViT scored 5,000 / 10,000 images in one pass with every layer's keys and
    attention kept. What each recorded pass adds to a fresh process's peak RSS (VmHWM, reset before each
    pass; a process-wide maximum such as ru_maxrss was set by whatever ran first) stays put in batches of
    64 over 256, then 2,048 images; one pass over the 2,048 (what the old evaluation always did) adds
    tens of MB of attention and keys."""
    import os
    from pathlib import Path

    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak RSS between passes")
    import subprocess
    import sys

    from effbench.config import ROOT

    out = subprocess.run([sys.executable, "-c", _PEAK], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
                              "MALLOC_MMAP_THRESHOLD_": "131072"})   # fixed: freed tensors leave RSS at once
    assert out.returncode == 0, out.stderr[-2000:]
    warm, small, large, one_pass = map(int, out.stdout.split())
    assert large - small < 10_000, (small, large)
    assert one_pass - large > 40_000, (large, one_pass)          # the measure can tell: one pass keeps far more
