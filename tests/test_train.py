import json

import numpy as np
import pytest
import yaml

from effbench.artefacts import read_npz
from effbench.config import ROOT
from effbench.data.synthetic import SyntheticSpec
from effbench.studies.synthetic.plan import datasets, variants
from effbench.studies.synthetic.train import make_dataset, train_seed


@pytest.fixture(scope="module")
def cfg():
    c = yaml.safe_load((ROOT / ".test" / "config.yaml").read_text())["synthetic"]
    c["train"]["epochs"] = 3
    return c


@pytest.fixture(scope="module")
def data(cfg, tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "base.npz"
    make_dataset(cfg, "base", path)
    return read_npz(path)


def _history(run_dir):
    return json.loads((run_dir / "history.json").read_text())["history"]


def _numbers(history):
    """A history without its training times, the one thing that differs between identical runs."""
    return [{k: v for k, v in h.items() if k != "train_seconds"} for h in history]


@pytest.mark.parametrize("variant", ["entropy_topk", "gumbel", "random"])
def test_same_config_same_numbers(cfg, data, tmp_path, variant):
    a = train_seed(cfg, variant, data, 42, tmp_path / "a", tmp_path / "sa")
    b = train_seed(cfg, variant, data, 42, tmp_path / "b", tmp_path / "sb")
    assert a == b
    assert _numbers(_history(tmp_path / "a")) == _numbers(_history(tmp_path / "b"))


def _tiny_fit(state_path, kill_at_epoch=None):
    """fit() on a small TinyEncoder; optionally 'killed' when epoch `kill_at_epoch` starts."""
    import torch

    from effbench.models.tiny_encoder import TinyEncoder
    from effbench.pruning.gates import Gate
    from effbench.train import fit

    torch.manual_seed(0)
    model = TinyEncoder(30, 8, 2, Gate("entropy_topk", 8, 2, keep_ratio=0.5))
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randint(0, 30, (64, 12), generator=gen), torch.randint(0, 2, (64,), generator=gen)

    def batches(epoch):
        if epoch == kill_at_epoch:
            raise KeyboardInterrupt("killed")
        order = torch.randperm(64)
        for i in range(0, 64, 16):
            yield x[order[i:i + 16]], y[order[i:i + 16]]

    history = fit(model, opt, lambda e: batches(e), lambda m, b: m.loss(m(b[0]), b[1], 1.0),
                  lambda m: {"val_acc": float((m(x)["logits"].argmax(1) == y).float().mean())},
                  epochs=3, seed=5, state_path=state_path, scheduler=sched, resume_key="k")
    return history, model.state_dict()


def test_resume_after_a_kill_equals_the_uninterrupted_run(tmp_path):
    import torch

    full_hist, full_weights = _tiny_fit(tmp_path / "full.pt")
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(tmp_path / "killed.pt", kill_at_epoch=2)          # dies after epochs 1 and 2 are saved
    assert torch.load(tmp_path / "killed.pt", weights_only=True)["epoch"] == 2
    resumed_hist, resumed_weights = _tiny_fit(tmp_path / "killed.pt")
    assert _numbers(resumed_hist) == _numbers(full_hist) and len(resumed_hist) == 3
    for k in full_weights:
        torch.testing.assert_close(resumed_weights[k], full_weights[k], rtol=0, atol=0)
    # a finished run keeps no optimizer state, and is skipped on a rerun
    assert torch.load(tmp_path / "full.pt", weights_only=True)["optimizer"] is None
    assert _tiny_fit(tmp_path / "full.pt")[0] == full_hist        # its training times included


def test_training_time_adds_up_over_the_processes_of_a_run(tmp_path):
    """A resumed run reports every process's training seconds, not the last process's: a kill after
    epoch 2 keeps epochs 1-2's time; a rerun of the finished run (no epoch trained) keeps them all."""
    import torch

    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(tmp_path / "run.pt", kill_at_epoch=2)
    first = torch.load(tmp_path / "run.pt", weights_only=True)["history"]
    resumed = _tiny_fit(tmp_path / "run.pt")[0]
    seconds = [h["train_seconds"] for h in resumed]
    assert 0 < seconds[0] < seconds[1] < seconds[2]                 # cumulative
    assert resumed[:2] == first                                     # the first process's epochs, times included
    assert _tiny_fit(tmp_path / "run.pt")[0] == resumed             # finished: the same times, not ~0


def test_a_checkpoint_without_training_time_is_trained_again(tmp_path):
    """Resuming a checkpoint written before the time was kept would report a part of it as the whole."""
    import torch

    _tiny_fit(tmp_path / "old.pt")
    state = torch.load(tmp_path / "old.pt", weights_only=True)
    torch.save({**state, "history": _numbers(state["history"])}, tmp_path / "old.pt")
    history = _tiny_fit(tmp_path / "old.pt")[0]
    assert len(history) == 3 and all(h["train_seconds"] > 0 for h in history)


def _stopping_fit(state_path, losses, kill_at_epoch=None, max_epochs=8):
    """fit() with early stopping (patience 2) on a scripted validation loss; returns (history,
    final weights, the weights seen after each epoch)."""
    import torch

    from effbench.train import EarlyStopping, fit

    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(32, 4, generator=torch.Generator().manual_seed(1)), torch.randint(0, 2, (32,))
    seen, now = {}, {}

    def batches(epoch):
        if epoch == kill_at_epoch:
            raise KeyboardInterrupt("killed")
        now["epoch"] = epoch + 1
        yield x, y

    def evaluate(m):
        seen[now["epoch"]] = {k: v.clone() for k, v in m.state_dict().items()}
        return {"val_loss": losses[now["epoch"] - 1]}

    history = fit(model, opt, batches, lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]), evaluate,
                  epochs=max_epochs, seed=3, state_path=state_path, resume_key="k",
                  stopping=EarlyStopping("val_loss", patience=2, mode="min"))
    return history, model.state_dict(), seen


def test_early_stopping_ends_on_the_best_epoch_and_says_why():
    import torch

    from effbench.train import EarlyStopping

    history, weights, seen = _stopping_fit(None, [1.0, 0.8, 0.9, 0.85, 0.5, 0.4])
    assert [h["val_loss"] for h in history] == [1.0, 0.8, 0.9, 0.85]        # 2 epochs without a lower loss
    for k in weights:                                                       # the best epoch's weights, not the last
        torch.testing.assert_close(weights[k], seen[2][k], rtol=0, atol=0)
    rule = EarlyStopping("val_loss", 2, "min")
    assert rule.summary(history, 8) == {"best_epoch": 2, "epochs_run": 4, "stopped": "plateau"}
    # still improving when the maximum came: reported as such, never as a plateau
    falling = [{"val_loss": v} for v in (1.0, 0.9, 0.8)]
    assert rule.summary(falling, 3)["stopped"] == "max_epochs"
    assert rule.summary(falling, 5)["stopped"] is None
    assert EarlyStopping("val_accuracy", 1, "max").summary([{"val_accuracy": a} for a in (0.5, 0.7, 0.6)], 9) == \
        {"best_epoch": 2, "epochs_run": 3, "stopped": "plateau"}


def test_min_delta_ends_a_geometric_creep_and_min_epochs_waits_for_the_anneal():
    from effbench.train import EarlyStopping

    creep = [{"val_objective": 0.4 * 0.5 ** k} for k in range(12)]   # 0.4, 0.2, ... : always lower, ever less so
    assert EarlyStopping("val_objective", 3, "min").summary(creep, 12)["stopped"] == "max_epochs"
    rule = EarlyStopping("val_objective", 3, "min", min_delta=0.01)
    # measured from the last counted best (0.0125, epoch 6): epoch 9's 0.0016 is 0.011 below it, and
    # nothing after is 0.01 below that
    assert rule.summary(creep, 100) == {"best_epoch": 9, "epochs_run": 12, "stopped": "plateau"}
    # the same creep against 1% of the descent so far (scale-free): the same 0.4 -> 0.0002 stops alike
    share = EarlyStopping("val_objective", 3, "min", min_share=0.01)
    assert share.summary(creep, 100) == {"best_epoch": 9, "epochs_run": 12, "stopped": "plateau"}
    scaled = [{"val_objective": 1000 * r["val_objective"]} for r in creep]
    assert share.summary(scaled, 100) == share.summary(creep, 100)
    flat_early = [{"val_objective": v} for v in (1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5)]
    waits = EarlyStopping("val_objective", 2, "min", min_epochs=6)
    assert waits.summary(flat_early[:4], 100)["stopped"] is None          # patience ran out inside the anneal
    assert waits.summary(flat_early, 100) == {"best_epoch": 5, "epochs_run": 8, "stopped": "plateau"}


def test_an_early_stopped_run_resumes_to_the_same_stop_and_weights(tmp_path):
    import torch

    losses = [1.0, 0.8, 0.9, 0.85, 0.5]
    full, full_weights, _ = _stopping_fit(tmp_path / "full.pt", losses)
    with pytest.raises(KeyboardInterrupt):
        _stopping_fit(tmp_path / "killed.pt", losses, kill_at_epoch=3)     # after epochs 1-3, the best is epoch 2
    resumed, resumed_weights, _ = _stopping_fit(tmp_path / "killed.pt", losses)
    assert _numbers(resumed) == _numbers(full) and len(resumed) == 4
    for k in full_weights:
        torch.testing.assert_close(resumed_weights[k], full_weights[k], rtol=0, atol=0)
    again, again_weights, _ = _stopping_fit(tmp_path / "full.pt", losses)   # finished: nothing trained again
    assert again == full
    for k in full_weights:
        torch.testing.assert_close(again_weights[k], full_weights[k], rtol=0, atol=0)


def test_the_plateau_test_is_one_sided_exact_mcnemar():
    from effbench.studies.dense.train import plateau_p_value

    best = [1] * 50 + [0] * 50
    assert plateau_p_value(best, best) == 1.0
    better = [1] * 50 + [1] * 12 + [0] * 38          # 12 gained, none lost: still improving
    assert plateau_p_value(best, better) < 0.001
    assert plateau_p_value(best, [1] * 45 + [0] * 55) == 1.0     # only lost: a plateau (or worse)


def test_training_learns_and_writes_per_example_predictions(cfg, data, tmp_path):
    m = train_seed(cfg, "full", data, 44, tmp_path / "run", tmp_path / "s")
    hist = _history(tmp_path / "run")
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]       # real optimisation, not a script
    with np.load(tmp_path / "run" / "preds.npz") as z:
        assert z["probs"].shape == (cfg["data"]["n_val"],) and z["kept"].all()
        np.testing.assert_array_equal(z["labels"], data["val_labels"])
    assert m["avg_kept"] == cfg["data"]["seq_len"]


def test_entropy_gate_run_keeps_floor_pl_tokens(cfg, data, tmp_path):
    m = train_seed(cfg, "entropy_topk", data, 45, tmp_path / "run", tmp_path / "s")
    assert m["avg_kept"] == int(cfg["keep_ratio"] * cfg["data"]["seq_len"])
    assert 0 <= m["gate_ece"] <= 1 and m["gate_temperature"] > 0
    with np.load(tmp_path / "run" / "preds.npz") as z:
        assert (z["kept"].sum(1) == m["avg_kept"]).all()
        assert z["token_entropy"].shape == z["kept"].shape


def test_variant_expansion_from_config(cfg):
    v = variants(cfg)
    assert v["full"]["keep_ratio"] == 1.0 and v["entropy_topk"]["keep_ratio"] == cfg["keep_ratio"]
    assert v["entropy_topk_p0.3"]["keep_ratio"] == 0.3
    assert v["full_noise0.3"]["dataset"] == "noise0.3"
    assert v["entropy_topk_idf"]["idf"] is True
    assert set(datasets(cfg)) == {"base", "noise0.3"}
    assert SyntheticSpec.from_config(datasets(cfg)["noise0.3"]).noise_rate == 0.3


def test_a_checkpoint_of_another_config_is_not_resumed(cfg, data, tmp_path):
    first = train_seed(cfg, "full", data, 46, tmp_path / "a", tmp_path / "s")
    other = dict(cfg, train=dict(cfg["train"], lr=cfg["train"]["lr"] * 3))
    changed = train_seed(other, "full", data, 46, tmp_path / "b", tmp_path / "s")   # same state dir
    fresh = train_seed(other, "full", data, 46, tmp_path / "c", tmp_path / "s_fresh")
    assert changed == fresh and changed != first
