"""Every page file is in the menu, and the app's entry script runs."""

from __future__ import annotations

from apptest import run_dashboard
from conftest import PROJECT

from agora.ui.navigation import PAGES


def test_every_page_file_is_in_the_menu():
    files = {f"pages/{p.name}" for p in (PROJECT / "pages").glob("*.py")}
    assert files == {p.path for p in PAGES}


def test_entry_script_opens_the_overview_with_the_menu(workspace):
    at = run_dashboard()
    assert not at.exception, at.exception
    assert at.title[0].value == workspace.read("centres").sort_values("name")["name"].iloc[0]
