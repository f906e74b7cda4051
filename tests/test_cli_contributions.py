# ruff: noqa: F811  (pytest fixtures imported from contrib_db are redefined as arguments)
"""contributions import/list/export, moderate, moderators and audit, run as a user runs them."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from unittest import mock

import pytest

from agora.cli import main
from conftest import PROJECT
from contrib_db import database_url
from test_page_vacancy import ws  # noqa: F401

FORMS = """kind,town,unit_id,lat,lon,status,name,category,text
report,hs,U5,,,vacant,,,Shutters down
idea,High Street,,53.7412,-2.0152,,,,"=HYPERLINK(""http://x"")"
nomination,hs,,53.7412,-2.0152,acv,The Old Bell,pub,Our local
idea,hs,,53.7600,-2.0152,,,,Far away
report,hs,U99,,,vacant,,,No such unit
idea,hs,,53.7412,-2.0152,,,,<b>bold</b>
mural,hs,,53.7412,-2.0152,,,,What kind?
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def env(ws, request, tmp_path, monkeypatch):
    url, cleanup = database_url(request.param, tmp_path)
    monkeypatch.setenv("AGORA_DATABASE_URL", url)
    yield {**os.environ, "AGORA_WORKSPACE": str(ws.path), "AGORA_DATABASE_URL": url}
    cleanup()


def agora(env, *args, stdin: str | None = None):
    """Run the command line in this process (as ``python -m agora`` does); returns code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env), mock.patch("sys.stdin", io.StringIO(stdin or "")), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def start(env, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "agora", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=PROJECT, env=env)


def test_paper_forms_to_moderation_to_export(env, tmp_path):
    forms = tmp_path / "event.csv"
    forms.write_text(FORMS)
    other = tmp_path / "market-stall.csv"
    other.write_text(FORMS)
    # two imports at once, as two processes
    runs = [start(env, "contributions", "import", str(f), "--json") for f in (forms, other)]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in runs]
    assert all(p.returncode == 0 for p in runs)
    for result in results:
        assert len(result["added"]) == 3
        assert [r["row"] for r in result["rejected"]] == [5, 6, 7, 8]
        reasons = [r["reason"] for r in result["rejected"]]
        assert "within 500 m" in reasons[0] and "No unit 'U99'" in reasons[1] and "HTML" in reasons[2]
        assert "kind 'mural'" in reasons[3]

    listed = json.loads(agora(env, "contributions", "list", "--json").stdout)
    assert len(listed) == 6 and {"id", "kind", "town", "status", "text", "created_at"} <= set(listed[0])
    assert {r["town"] for r in listed} == {"hs"} and {r["status"] for r in listed} == {"pending"}
    audit = json.loads(agora(env, "audit", "--json").stdout)
    assert sorted(a["note"] for a in audit) == sorted(
        [f"imported from event.csv, row {i}" for i in (2, 3, 4)] + [f"imported from market-stall.csv, row {i}"
                                                                     for i in (2, 3, 4)])

    done = agora(env, "moderators", "add", "ann", "--password-stdin", stdin="correct horse\n")
    assert done.returncode == 0, done.stderr
    first = listed[0]["id"]
    assert agora(env, "moderate", str(first), "approve", "--as", "ann").stdout.strip() == f"#{first} is now approved"
    # the two imports interleave: find the idea by its text, not its place in the list
    idea = next(r["id"] for r in listed if r["text"] == "=HYPERLINK(\"http://x\")" and r["id"] != first)
    assert agora(env, "moderate", str(idea), "reject", "--reason", "spam", "--as", "ann").returncode == 0
    table = {r["id"]: r for r in csv.DictReader(io.StringIO(agora(env, "contributions", "export", "--csv").stdout))}
    assert table[str(idea)]["text"] == "'=HYPERLINK(\"http://x\")" and table[str(idea)]["status"] == "rejected"
    assert [r["status"] for r in table.values()].count("approved") == 1
    trail = json.loads(agora(env, "audit", "--json").stdout)
    assert [a["action"] for a in trail[:3]] == ["reject", "approve", "moderator_add"]


def test_a_missing_file_is_one_clear_line(ws, tmp_path):
    env = {**os.environ, "AGORA_WORKSPACE": str(ws.path)}
    done = agora(env, "contributions", "import", str(tmp_path / "nope.csv"))
    assert done.returncode == 2 and done.stderr.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"
