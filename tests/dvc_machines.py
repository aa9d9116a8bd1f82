"""Machines A and B of the DVC test (tests/test_dvc.py), made in the background once the session's smoke
build has ended (tests/conftest.py: _dvc_machines), beside the tests that read that build:

    python tests/dvc_machines.py SMOKE_DIR CONFIGFILE WORKDIR

A ran the smoke DAG (the build's data and results, as hard links: DVC only reads them and copies them into
its cache), records what it made (`dvc commit`) and pushes it to WORKDIR/remote; B is a fresh clone with
A's dvc.lock (committed in real use) that has pulled it and stamped it (`snakemake --touch cached`), nothing
built. The test then plans and rebuilds in B."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from smoke import clone, snakemake

DVC = [sys.executable, "-m", "dvc"]


def dvc(cwd, *args) -> subprocess.CompletedProcess:
    run = subprocess.run([*DVC, *args], cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"dvc {' '.join(args)}: {run.stdout[-2000:]}{run.stderr[-2000:]}")
    return run


def main(smoke_dir: Path, configfile: Path, work: Path) -> None:
    remote = work / "remote"
    a = clone(work / "a", configfile)
    for d in ("data", "results"):
        shutil.copytree(smoke_dir / d, a / d, copy_function=os.link)
    dvc(a, "remote", "add", "--local", "--default", "store", str(remote))
    dvc(a, "commit", "--force")
    dvc(a, "push")
    b = clone(work / "b", configfile)
    shutil.copy2(a / "dvc.lock", b / "dvc.lock")
    dvc(b, "remote", "add", "--local", "--default", "store", str(remote))
    dvc(b, "pull")
    # as the README's cached rebuild says: stamp what DVC restored (fresh mtimes in arbitrary order) in DAG order
    touch = snakemake(b, "--touch", "cached", configfile=None, snakefile=b / "Snakefile", cores=1)
    if touch.returncode != 0:
        sys.exit(f"snakemake --touch cached: {touch.stderr[-3000:]}")


if __name__ == "__main__":
    main(*map(Path, sys.argv[1:4]))
