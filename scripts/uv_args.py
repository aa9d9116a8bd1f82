"""pip's package sources as uv options, for `make install`: uv reads no pip configuration.

    python scripts/uv_args.py      # prints e.g. --find-links /opt/wheels --extra-index-url https://...

A machine that keeps its CPU build of torch in a local folder (find-links) or gets it from an extra index
(e.g. PyTorch's CPU index) says so to pip, in its config files or PIP_* variables. uv, not told, would take
PyPI's torch==2.13.0: on Linux a CUDA build of several GB. So the install hands uv what pip would use:
its find-links, index-url and extra-index-url (a local `file://` index that does not exist is left out, as
pip leaves it out with a warning; uv would stop). What else pip is told (a certificate, a constraint file)
uv does not get: where uv then fails, the Makefile installs with pip.
"""
from __future__ import annotations

import ast
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

OPTIONS = {"find-links": "--find-links", "index-url": "--index-url", "extra-index-url": "--extra-index-url"}


def uv_args(listed: str) -> list[str]:
    """uv options from what `pip config list` printed (`scope.key='value'` lines, later scopes win for
    index-url; find-links and extra indexes add up, each once)."""
    values: dict[str, list[str]] = {key: [] for key in OPTIONS}
    for line in listed.splitlines():
        key, sep, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        if not sep or name not in OPTIONS:
            continue
        for v in str(ast.literal_eval(value)).split():
            if v.startswith("file:") and not Path(unquote(urlparse(v).path)).exists():
                continue
            if name == "index-url":
                values[name] = [v]
            elif v not in values[name]:
                values[name].append(v)
    return [arg for key, flag in OPTIONS.items() for v in values[key] for arg in (flag, v)]


if __name__ == "__main__":
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    print(shlex.join(uv_args(listed)))
