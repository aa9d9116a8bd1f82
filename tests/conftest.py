import os
import sys
from pathlib import Path

import pytest
import torch
import yaml

os.environ.setdefault("OMP_NUM_THREADS", "1")
torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))   # tests/smoke.py

from smoke import Background, command, write_dag_config  # noqa: E402

from effbench.config import ROOT  # noqa: E402

MICRO = ROOT / ".test" / "paper_micro.yaml"
# What the paper micro run builds (tests/test_paper_micro.py reads these and the ledger's pointers to them)
MICRO_TARGETS = ["results/text_gate/tables/table3.csv", "results/eat/sst2/tables/frontier.csv",
                 *[f"results/adtp/{task}/tables/{table}.csv" for task in ("sst2", "mrpc", "stsb")
                   for table in ("methods", "retainer", "consistency")],
                 "results/adtp/stsb/figures/budget.png",
                 "results/adtp/mrpc/tables/ig_steps.csv",
                 *[f"results/vit/tables/{table}.csv" for table in ("table4", "table5", "table6", "table19")]]
# the part of the smoke DAG that the device check's dry run runs again, with the compute it is given
DEVICE_CHECK_TARGET = "results/text_gate/runs/dense/seed42/preds.npz"


def pytest_addoption(parser):
    parser.addoption("--full-dags", action="store_true",
                     help="the full-size end-to-end checks: the shared smoke DAG on the whole of .test/config.yaml "
                          "(not the test DAG's trim of it, tests/smoke.py: dag_config), the DVC test's rebuild of "
                          "every table and figure, and the paper micro run (tests marked full_dags)")


def full_dags(config) -> bool:
    return config.getoption("--full-dags")


def _smoke(work: Path, config, builds) -> Background:
    configfile = write_dag_config(work.with_name(work.name + ".yaml"), full=full_dags(config))
    return Background(work, command(work, configfile=configfile, timing_alone=False), configfile=configfile)


def _device_check(work: Path, config, builds) -> Background:
    # scripts/device_check.py's dry run (--device cpu) against the smoke build as its CPU side. It starts once
    # that build has ended: the tests that read the build run one at a time and leave a core idle, which its
    # niced DAG part fills (started with the session, it took CPU from the build, on the critical path)
    smoke = builds["smoke_build"]
    return Background(work, [sys.executable, str(ROOT / "scripts" / "device_check.py"), "--device", "cpu", "--cores", "2",
                             "--workdir", str(work), "--out", str(work / "check.json"), "--reference", str(smoke.workdir),
                             "--reference-rc", str(smoke.rc_file),
                             "--configfile", str(smoke.configfile), "--targets", DEVICE_CHECK_TARGET], nice=5)


def _dvc_machines(work: Path, config, builds) -> Background:
    # the DVC test's machines A (commit, push) and B (pull), from the smoke build once it has ended: about
    # 25 s of DVC, niced beside the tests that read the build (one at a time, a core idle)
    smoke = builds["smoke_build"]
    return Background(work, [sys.executable, str(ROOT / "tests" / "dvc_machines.py"), str(smoke.workdir),
                             str(smoke.configfile), str(work)], nice=5)


def _paper_micro(work: Path, config, builds) -> Background:
    # the inputs first (GLUE TSVs, tiny checkpoints, CIFAR parquet), then the DAG; it is needed last,
    # so it yields the cores to the smoke DAG and the tests in front
    files = [ROOT / "configs" / "paper.yaml", MICRO]
    return Background(work, [sys.executable, str(ROOT / "scripts" / "micro_fixture.py"), str(work)],
                      command(work, *MICRO_TARGETS, configfile=files, timing_alone=False), nice=5)


# The session's background runs, by the fixture that returns each one, in the order the tests that
# read them run, with the run each waits for. A run without one starts when the session starts, the
# others when the run they wait for has finished, if a selected test needs them; the tests that
# need none run first, beside them.
BUILDS = {"smoke_build": (_smoke, None), "dvc_machines": (_dvc_machines, "smoke_build"),
          "device_check_run": (_device_check, "smoke_build"), "paper_micro_build": (_paper_micro, None)}


def _waits_for(item) -> int:
    """The test's group: 0 needs no build, else 1 + the last build (in BUILDS' order) it reads."""
    names = list(BUILDS)
    return 1 + max((names.index(f) for f in item.fixturenames if f in BUILDS), default=-1)


def pytest_collection_modifyitems(config, items):
    if not full_dags(config):
        skipped = [item for item in items if item.get_closest_marker("full_dags")]
        if skipped:
            config.hook.pytest_deselected(items=skipped)
            items[:] = [item for item in items if not item.get_closest_marker("full_dags")]
    items.sort(key=_waits_for)           # stable: file order within each group


def pytest_terminal_summary(terminalreporter, config):
    if not full_dags(config):
        terminalreporter.write_line("full-size checks (the whole smoke config, the DVC test's full rebuild, "
                                    "the paper micro run) not run: pytest --full-dags")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield
    # a test that seeded (effbench.artefacts.deterministic_algorithms) set Inductor's variable in this
    # process's environment: the Snakemake runs later tests start do not inherit it
    os.environ.pop("TORCHINDUCTOR_DETERMINISTIC", None)


class _Builds(dict):
    """The background runs started so far; `finished(name)` waits for one and starts those that wait for it."""

    def __init__(self, needed, config, factory):
        super().__init__()
        self.needed, self.config, self.factory = needed, config, factory
        for name in needed:
            if BUILDS[name][1] is None:
                self._start(name)

    def _start(self, name):
        self[name] = BUILDS[name][0](self.factory.mktemp(name.removesuffix("_build")), self.config, self)

    def finished(self, name) -> Path:
        run = self[name].wait()
        assert run.returncode == 0, run.stderr[-4000:] + run.stdout[-2000:]
        for other in self.needed:
            if BUILDS[other][1] == name and other not in self:
                self._start(other)
        return self[name].workdir


@pytest.fixture(scope="session", autouse=True)
def _builds(request, tmp_path_factory):
    needed = [name for name in BUILDS if any(name in item.fixturenames for item in request.session.items)]
    builds = _Builds(needed, request.config, tmp_path_factory)
    yield builds
    for build in builds.values():
        build.stop()


@pytest.fixture(scope="session")
def smoke_build(_builds):
    """The shared smoke DAG, run once per session, started with it: .test/config.yaml as the tests
    trim it (smoke_configfile), or whole with --full-dags."""
    return _builds.finished("smoke_build")


@pytest.fixture(scope="session")
def smoke_configfile(smoke_build, _builds) -> Path:
    """The config file the shared smoke DAG was built from: give it to every Snakemake call on that build."""
    return _builds["smoke_build"].configfile


@pytest.fixture(scope="session")
def smoke_config(smoke_configfile) -> dict:
    return yaml.safe_load(smoke_configfile.read_text())


@pytest.fixture(scope="session")
def device_check_run(smoke_build, _builds) -> Path:
    """The device check's dry run against the smoke build (started when that build has ended, beside the tests
    that read it; the tests that read it run last): its JSON."""
    run = _builds["device_check_run"].wait()
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-2000:]
    return _builds["device_check_run"].workdir / "check.json"


@pytest.fixture(scope="session")
def dvc_machines(smoke_build, _builds) -> Path:
    """The DVC test's machines A and B (tests/dvc_machines.py): WORKDIR/a pushed, WORKDIR/b pulled."""
    run = _builds["dvc_machines"].wait()
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-2000:]
    return _builds["dvc_machines"].workdir


@pytest.fixture(scope="session")
def paper_dry_run() -> str:
    """What `snakemake -n --forceall` prints for configs/paper.yaml through profiles/slurm-gpu (its cores and
    default resources): one dry run of the paper DAG (5-7 s) for every test that reads it."""
    from effbench.plan.work import printed_dry_run

    profile = yaml.safe_load((ROOT / "profiles" / "slurm-gpu" / "config.yaml").read_text())
    return printed_dry_run([str(ROOT / "configs" / "paper.yaml")], profile)


@pytest.fixture(scope="session")
def paper_micro_build(_builds):
    """configs/paper.yaml with .test/paper_micro.yaml over it: the paper scale's DAG on offline
    fixtures and tiny random checkpoints (scripts/micro_fixture.py), started with the session."""
    return _builds.finished("paper_micro_build")
