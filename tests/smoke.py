"""The smoke DAG, built once per test session and shared by the pipeline, DVC and SLURM tests."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

from effbench.config import ROOT

SMOKE = ROOT / ".test" / "config.yaml"
# rules whose jobs train, fetch or time: a rebuild from the DVC cache must run none of them
EXPENSIVE = re.compile(r"^(?!cached_).*_(train|dense|gated_\w+|data|corpus|cost|timing|large|correlation|probe|teacher_cache)$"
                       r"|^text_corpus$|^adtp_methods_\w+$")


def snakemake(workdir, *args, configfile=SMOKE, snakefile=ROOT / "Snakefile", cores=2):
    # --configfile takes a list: the `=` form keeps targets and flags after it out of that list;
    # several files (later ones win) go last, after the targets.
    # No timeout: a slower or busier machine takes longer; CI's own limit bounds the run.
    files = list(configfile) if isinstance(configfile, (list, tuple)) else []
    cmd = [sys.executable, "-m", "snakemake", "-s", str(snakefile), "-d", str(workdir), "--cores", str(cores),
           *([f"--configfile={configfile}"] if configfile and not files else []), *args,
           *(["--configfile", *map(str, files)] if files else [])]
    return subprocess.run(cmd, capture_output=True, text=True)


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
