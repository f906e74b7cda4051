"""The town profile's "What changed": the command's figures, escaped names, two A4 pages in print."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from agora.commands.changes import centre_changes
from agora.commands.compare import town_layers
from agora.report.profile import build_profile, to_html
from agora.service import DataService

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def svc(demo_workspace_template):
    return DataService(demo_workspace_template, read_only=True)


def profile_of(svc: DataService, cid: str, layers: dict | None = None):
    from agora.analysis import compare

    table = compare.comparison_set(svc.indicators(), svc.centres(), include_demo=True, keep=[cid])
    return build_profile(table, layers or town_layers(svc, cid), cid, sources=svc.sources(),
                         brands=(svc.brands(), svc.mix()))


@pytest.fixture(scope="module")
def profiles(svc) -> dict:
    """Every demo town's profile, built once."""
    return {cid: profile_of(svc, cid) for cid in svc.centres()["centre_id"]}


def test_profile_states_the_commands_figures(svc, profiles):
    for cid, name in zip(svc.centres()["centre_id"], svc.centres()["name"]):
        profile = profiles[cid]
        same = centre_changes(svc, cid, name).to_dict()  # no contributions store: no reports in either
        mine = profile.changes.to_dict()
        for key in ("from_date", "to_date", "closed", "opened", "occupier_changes", "chains_arrived", "chains_left",
                    "independents_arrived", "independents_left", "vacancy_change_pts", "closed_units",
                    "opened_units", "footfall", "paragraph"):
            assert mine[key] == same[key], (cid, key)
        text = to_html(profile)
        assert "<h2>What changed</h2>" in text
        assert f"<p>{_html(mine['paragraph'])}</p>" in text
        assert f"<strong>Closed ({mine['closed']}):</strong>" in text
        assert f"<strong>Opened ({mine['opened']}):</strong>" in text


def _html(text: str) -> str:
    import html

    return html.escape(text)


def test_names_in_the_lists_are_escaped(svc):
    layers = town_layers(svc, "castlebridge")
    evil = "<img src=x onerror=alert(1)>"
    units = layers["units"]
    units.loc[units["unit_id"] == "castlebridge-009", "name"] = evil  # closed between the surveys
    text = to_html(profile_of(svc, "castlebridge", layers))
    assert evil not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def pdf_pages(path: Path) -> list[tuple[float, float]]:
    """(width, height) in points of each page of a PDF written by Chromium."""
    data = path.read_bytes()
    pages = re.findall(rb"/Type\s*/Page[^s].*?/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]",
                       data, re.S)
    if not pages:  # MediaBox before /Type
        pages = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\][^>]*/Type\s*/Page[^s]",
                           data, re.S)
    count = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert len(pages) == count, (len(pages), count)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in pages]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
def test_profile_prints_on_two_a4_pages(profiles, tmp_path):
    for cid, profile in profiles.items():
        html_file = tmp_path / f"{cid}.html"
        html_file.write_text(to_html(profile), encoding="utf-8")
        pdf = tmp_path / f"{cid}.pdf"
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", html_file.as_uri()], capture_output=True, timeout=120, check=True)
        pages = pdf_pages(pdf)
        assert len(pages) == 2, (cid, len(pages))
        for width, height in pages:  # A4: 210 x 297 mm = 595 x 842 points
            assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (width, height)


def test_downloaded_profile_names_the_publics_reports_of_the_period(workspace):
    from datetime import datetime, timezone

    from sqlalchemy import update

    from agora.store.contributions import ContributionStore, Submission
    from agora.store.contributions.schema import contributions
    from agora.ui import compare as ui

    svc = DataService(workspace.path)
    before = ui.profile_html("wendlow", svc).decode()
    assert "The public reported nothing in the period." in before  # the app's store exists: nothing yet
    store = ContributionStore.open(workspace=workspace.path)
    units = svc.town("units", "wendlow")
    receipt = store.submit(Submission("report", "wendlow", unit_id="wendlow-050", change="vacant",
                                      text="Shut in January & boarded"), centres=svc.centres(),
                           unit_ids=set(units["unit_id"]), session="s1")
    store.add_moderator("ann", "a long enough password")
    store.approve(receipt.id, "ann")
    with store.engine.begin() as conn:  # made during the period between the two surveys
        conn.execute(update(contributions).where(contributions.c.id == receipt.id)
                     .values(created_at=datetime(2026, 1, 10, tzinfo=timezone.utc)))
    text = ui.profile_html("wendlow", svc).decode()
    assert "The public reported 1 change in the period." in text
    assert "<strong>Public reports (1):</strong> 2026-01-10: now vacant" in text
    assert "now vacant (Shut in January &amp; boarded)" in text


def test_profile_command_says_what_the_changes_command_says(workspace, tmp_path):
    import html
    import json

    from test_cli_changes import agora

    out = tmp_path / "gullhaven.html"
    done = agora("compare", "--workspace", str(workspace.path), "--profile", "gullhaven", "--out", str(out))
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(agora("changes", "--workspace", str(workspace.path), "--town", "gullhaven", "--json").stdout)
    assert f"<p>{html.escape(row['paragraph'])}</p>" in out.read_text(encoding="utf-8")
