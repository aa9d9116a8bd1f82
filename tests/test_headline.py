"""The headline metrics JSON that `dvc metrics show` lists."""
import pandas as pd

from effbench.headline import headline_metrics


def test_headline_metrics_read_the_tables_that_exist(tmp_path):
    (tmp_path / "results/eat/spam/tables").mkdir(parents=True)
    pd.DataFrame({"row": ["dense", "eat_tau0.9"], "chosen": [False, True], "accuracy": [0.97, 0.96],
                  "delta_acc_pp": [0, -1.0], "speedup_vs_dense": [1, 1.5], "speedup_b32": [1, 2.4]}
                 ).to_csv(tmp_path / "results/eat/spam/tables/frontier.csv", index=False)
    (tmp_path / "results/geometry/tables").mkdir(parents=True)
    pd.DataFrame({"row": ["Synthetic (High) / EntropyNet (Ours)"], "speedup": [0.06], "hull_error": [0.3]}
                 ).to_csv(tmp_path / "results/geometry/tables/table2.csv", index=False)
    m = headline_metrics(tmp_path)
    assert m["eat/spam/speedup_vs_dense"] == 1.5 and m["eat/spam/accuracy"] == 0.96
    assert m["geometry/entropynet_qhull/speedup"] == 0.06
    assert not any(k.startswith("synthetic") for k in m)          # absent tables are left out


def test_headline_metrics_include_adtp_per_task(tmp_path):
    (tmp_path / "results/adtp/tables").mkdir(parents=True)
    (tmp_path / "results/adtp/spam/tables").mkdir(parents=True)
    pd.DataFrame({"task": ["spam", "spam"], "model": ["dense", "adtp"], "accuracy_pct": [97.0, 95.0],
                  "flops_reduction_x": [1.0, 2.1], "speedup_b1": [1.0, 1.3]}
                 ).to_csv(tmp_path / "results/adtp/tables/summary.csv", index=False)
    pd.DataFrame({"row": ["adaptive", "static"], "adaptive_minus_delta_pp": [None, 0.4]}
                 ).to_csv(tmp_path / "results/adtp/spam/tables/retainer.csv", index=False)
    m = headline_metrics(tmp_path)
    assert m["adtp/spam/flops_reduction_x"] == 2.1 and m["adtp/spam/adaptive_minus_static_pp"] == 0.4
    assert "adtp/spam/accuracy_pct" in m and not any(k.startswith("adtp/dense") for k in m)
