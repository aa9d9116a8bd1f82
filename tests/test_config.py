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
])
def test_bad_config_names_the_key(good, edit, key, words):
    with pytest.raises(ConfigError) as err:
        validate(_broken(good, edit))
    assert f"'{key}'" in str(err.value) and words in str(err.value)


def test_paper_config_merged_over_default_is_valid(good):
    from snakemake.utils import update_config

    cfg = copy.deepcopy(good)
    update_config(cfg, yaml.safe_load((ROOT / "configs" / "paper.yaml").read_text()))
    assert validate(cfg)["scale"] == "paper"
