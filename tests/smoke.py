"""The smoke DAG, built once per test session and shared by the pipeline, DVC, frontier and device
check tests; and how the tests run Snakemake (in the foreground, or started in the background)."""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from effbench.config import ROOT

SMOKE = ROOT / ".test" / "config.yaml"
# rules whose jobs train, fetch or time: a rebuild from the DVC cache must run none of them
EXPENSIVE = re.compile(r"^(?!cached_).*_(train|dense|gated_\w+|data|corpus|cost|timing|large|correlation|probe|teacher_cache)$"
                       r"|^text_corpus$|^adtp_methods_\w+$")


def dag_config(full: bool = False) -> dict:
    """The smoke config the shared test DAG runs: .test/config.yaml with the variants that only repeat
    a code path another job of the DAG runs left out (full=True: as it is, `pytest --full-dags`).
    Every rule still runs; what is left out runs in the full smoke DAG and in unit tests:
      synthetic: the random and gumbel gates (trained in tests/test_train.py, tests/test_pruning.py)
                 and the noise-flip sweep (a second dataset and two trainings of the same rules);
      text gate: the keep-ratio grid (two more gated trainings; the main keep ratio stays);
      EAT:       the spam task (the long-document task: corpus, dense fine-tune, three trainings,
                 probe, cost, tables and figures of the same rules as Rotten Tomatoes; its corpus is
                 still built, and the blocks' attention window is tested in tests/test_distilbert.py);
      AD-TP:     the IG-steps and loss-weight sensitivity extras (a training each of the same rule; planned
                 in tests/test_adtp.py; the IG-steps table is built by the paper micro run, both by the
                 full smoke DAG);
      ViT:       the fine-patch variants (three trainings of the same rule)."""
    cfg = yaml.safe_load(SMOKE.read_text())
    if full:
        return cfg
    syn = cfg["synthetic"]
    syn["gates"] = [g for g in syn["gates"] if g not in ("random", "gumbel")]
    syn["ablation"]["noise_rates"] = [syn["data"]["noise_rate"]]
    cfg["text_gate"]["gate"]["keep_ratios"] = []
    cfg["eat"]["tasks"] = {task: spec for task, spec in cfg["eat"]["tasks"].items() if task == "rotten_tomatoes"}
    cfg["vit"]["fine_patch"] = 0
    for task in cfg["adtp"]["tasks"].values():
        task["extras"] = [e for e in task["extras"] if e not in ("ig_steps", "sensitivity")]
    return cfg


def write_dag_config(path: Path, full: bool = False) -> Path:
    path.write_text(yaml.safe_dump(dag_config(full), sort_keys=False))
    return path


def env() -> dict:
    """The environment of the DAGs the tests run. OpenMP threads that wait for work sleep instead
    of spinning (OMP_WAIT_POLICY=PASSIVE, unless set): a job with a thread per core (a timing job
    where it takes every core) ran a text cost job 3-4x slower with anything else on those cores (the
    tests beside a background build, another user of the machine). The tests do not check timings."""
    return {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


def timing_rules() -> list[str]:
    """The rules that take every core (`threads: TIMING_THREADS`): timing jobs, alone on the machine."""
    out = []
    for path in sorted((ROOT / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=rule \w+:)", path.read_text()):
            rule = re.match(r"rule (\w+):", block)
            if rule and re.search(r"^\s+threads: TIMING_THREADS\b", block, re.M):
                out.append(rule.group(1))
    return out


def command(workdir, *args, configfile=SMOKE, snakefile=ROOT / "Snakefile", cores=2,
            timing_alone=True, quick_exit=False) -> list[str]:
    """timing_alone=False (the shared builds): the timing jobs take one core, like every other job,
    instead of all of them (--set-threads), and jobs are picked by the greedy scheduler, not by an
    ILP solver started at every pass (0.2-0.3 s of CPU a job). The tests read what the timing jobs
    write, not how fast it ran; with two cores, a timing job that holds both (and uses about one)
    left the other idle for a fifth of the smoke DAG's run.
    quick_exit=True: for a call that runs a few jobs. Snakemake exits only when the last timer of its
    job rate limit has fired, up to the timespan after its last job: profiles/default's 100/10s
    kept a one-job call alive 6 s longer than 100/1s (Snakemake's default), whose timers cost little
    CPU with few jobs (profiles/default/config.yaml says why the workflow's runs keep 10 s)."""
    # --configfile takes a list: the `=` form keeps targets and flags after it out of that list;
    # several files (later ones win) go last, after the targets. -d ends --set-threads' list.
    files = list(configfile) if isinstance(configfile, (list, tuple)) else []
    return [sys.executable, "-m", "snakemake", "-s", str(snakefile), "--cores", str(cores),
            *([] if timing_alone else ["--scheduler", "greedy",
                                       "--set-threads", *(f"{rule}=1" for rule in timing_rules())]),
            *(["--max-jobs-per-timespan", "100/1s"] if quick_exit else []),
            "-d", str(workdir), *([f"--configfile={configfile}"] if configfile and not files else []), *args,
            *(["--configfile", *map(str, files)] if files else [])]


def snakemake(workdir, *args, configfile=SMOKE, snakefile=ROOT / "Snakefile", cores=2, timing_alone=True,
              quick_exit=True):
    # No timeout: a slower or busier machine takes longer; CI's own limit bounds the run.
    return subprocess.run(command(workdir, *args, configfile=configfile, snakefile=snakefile, cores=cores,
                                  timing_alone=timing_alone, quick_exit=quick_exit),
                          capture_output=True, text=True, env=env())


class Background:
    """Commands run one after the other in the background, from now until `wait()`: the session's
    shared DAGs start with the session (tests/conftest.py), so the tests that need none of them run
    meanwhile instead of leaving a core idle. `nice` lowers the priority of a build that is
    needed last. Output goes to files beside `workdir`, read back by `wait()`; `configfile` is the
    config the build runs; `rc_file` holds its exit code once it has ended."""

    def __init__(self, workdir: Path, *commands: list[str], nice: int = 0, configfile: Path | None = None):
        self.workdir, self.configfile = Path(workdir), configfile
        self.stdout, self.stderr, self.rc_file = (self.workdir.with_name(self.workdir.name + suffix)
                                                  for suffix in (".out", ".err", ".rc"))
        # the exit code also lands in a file, for a build that waits on this one from its own process
        script = " && ".join(shlex.join(map(str, c)) for c in commands)
        script = f"( {script} ); rc=$?; echo $rc > {shlex.quote(str(self.rc_file))}; exit $rc"
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.proc = subprocess.Popen(["bash", "-c", script], stdout=out, stderr=err, env=env(),
                                         start_new_session=True, preexec_fn=(lambda: os.nice(nice)) if nice else None)
        self.result = None

    def wait(self) -> subprocess.CompletedProcess:
        if self.result is None:
            code = self.proc.wait()
            self.result = subprocess.CompletedProcess(self.proc.args, code, self.stdout.read_text(),
                                                      self.stderr.read_text())
        return self.result

    def stop(self) -> None:
        """End the build if the session ends first (an interrupted or failed run): Snakemake and its jobs."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def jobs_run(output: str) -> list[str]:
    """Rule names of the jobs a Snakemake run (or dry run) printed."""
    return re.findall(r"^(?:local)?rule (\w+):", output, flags=re.M)


def clone(dest: Path, config: Path = SMOKE) -> Path:
    """A fresh checkout of this working tree (tracked and new files, nothing ignored), as its own
    git repository, with `config` as its config.yaml."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for f in filter(None, files):
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    shutil.copy2(config, dest / "config.yaml")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "clone"]):
        subprocess.run(cmd, cwd=dest, check=True, capture_output=True)
    return dest
