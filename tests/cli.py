"""The command line run inside the test process, as ``python -m agora`` runs it.

A new interpreter per call spends seconds importing the libraries; :func:`agora` calls
:func:`agora.cli.main` instead, with the environment, standard input and working folder
a subprocess would have, and returns what ``subprocess.run`` would (one test in
``test_cli.py`` still runs ``python -m agora`` as a real process).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Mapping
from unittest import mock

from conftest import PROJECT


def agora(*args: str, env: Mapping[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``agora ARGS`` in this process; returns its status, standard output and error."""
    from agora.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, dict(env or {})), mock.patch("sys.stdin", io.StringIO(stdin or "")), \
            contextlib.chdir(PROJECT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:  # argparse: a usage error (2) or --help (0)
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return subprocess.CompletedProcess(["agora", *args], code, out.getvalue(), err.getvalue())
