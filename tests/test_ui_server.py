"""The app server's start: the pages' libraries imported before the first visitor."""

from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT


def python(script: str) -> subprocess.CompletedProcess:
    """Run `script` in a fresh interpreter from the project's folder; fails the test when it fails."""
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_preload_imports_what_the_first_page_would():
    # and declares no component: one declared outside a script run is never served
    script = (
        "import sys\n"
        "from streamlit.components.v1 import component_registry\n"
        "declared = []\n"
        "import streamlit.components.v1 as v1\n"
        "component_registry.declare_component = v1.declare_component = lambda *a, **k: declared.append(a)\n"
        "from agora.ui.server import preload\n"
        "names = preload()\n"
        "missing = [n for n in names if n not in sys.modules]\n"
        "print(len(names), missing)\n"
        "for name in ('geopandas', 'folium', 'altair', 'sqlalchemy', 'agora.ui.maps', 'agora.ui.data',\n"
        "             'agora.report.profile', 'agora.store.contributions'):\n"
        "    assert name in sys.modules, name\n"
        "assert not declared and 'streamlit_folium' not in sys.modules, declared\n"
    )
    done = python(script)
    count, missing = done.stdout.split(" ", 1)
    assert int(count) > 20 and missing.strip() == "[]"
    # Streamlit's warnings about running without a server are expected here and kept out of the log
    assert "missing ScriptRunContext" not in done.stderr and "No runtime found" not in done.stderr


def test_preload_spares_the_first_visitor_the_direct_run_check():
    # Streamlit's check reads the whole stack's source (inspect.stack) on the first element drawn
    script = (
        "from streamlit import env_util\n"
        "from agora.ui.server import preload\n"
        "preload()\n"
        "def stack_read():\n"
        "    raise AssertionError('the direct-run check read the stack')\n"
        "env_util.is_repl = stack_read\n"
        "import streamlit as st\n"
        "st.markdown('first element')\n"
    )
    python(script)


def test_main_runs_the_dashboard_with_the_options_given(monkeypatch):
    from streamlit.web import cli

    from agora.ui import server

    seen = {}
    monkeypatch.setattr(server, "preload", lambda: seen.setdefault("preloaded", True))
    monkeypatch.setattr(cli, "main", lambda: seen.setdefault("argv", list(sys.argv)) and 0)
    monkeypatch.setattr(sys, "argv", ["agora.ui.server"])
    assert server.main(["--server.port", "8600"]) == 0
    assert seen["preloaded"]
    assert seen["argv"] == ["streamlit", "run", str(PROJECT / "dashboard.py"), "--server.port", "8600"]


def test_the_readme_way_and_the_service_start_the_server_through_it():
    for path in ("run.sh", "deploy/agora@.service"):
        text = (PROJECT / path).read_text()
        assert "-m agora.ui.server" in text, path
        assert "-m streamlit run" not in text, path
