"""Every page against axe-core's WCAG 2.2 AA rules: no serious or critical violation.

axe-core comes with the ``axe-playwright-python`` package (its ``axe.min.js``, MPL-2.0),
so the check runs offline. The maps are iframes: axe runs inside them too.
"""

from __future__ import annotations

import pytest

from agora.ui.navigation import PAGES

from .helpers import open_app

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}

# Violations inside Streamlit's own widgets that the app cannot change: rule -> CSS selector
# of the exact elements, each with the reason. Nothing else is excluded.
STREAMLIT_OWN: dict[str, str] = {
    # st.date_input draws day, month and year as separate 18 x 20 px spin buttons (react-aria
    # segments) with no size option; the field as a whole is large enough to tap and is
    # operable from the keyboard (arrow keys), and typing a date works.
    "target-size": '[data-testid="stDateInput"] [role="spinbutton"]',
}


def _paths() -> list[str]:
    return ["/" + ("" if i == 0 else page.path.removeprefix("pages/").removesuffix(".py"))
            for i, page in enumerate(PAGES)]


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        from .conftest import _unavailable

        _unavailable("axe-playwright-python is not installed (requirements-test.txt)")
    return Axe()


def blocking_violations(target, axe) -> list[str]:
    """Serious and critical violations in `target` (a page or a frame), one line per element."""
    target.evaluate(axe.axe_script)
    results = target.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                              " resultTypes: ['violations']})", TAGS)
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        own = STREAMLIT_OWN.get(violation["id"])
        for node in violation["nodes"]:
            selector = " ".join(map(str, node["target"]))
            if own and target.evaluate("([s, own]) => !!document.querySelector(s)?.matches(own)",
                                       [node["target"][0], own]):
                continue
            found.append(f"{violation['id']} ({violation['impact']}): {selector}: {node['failureSummary']!r}"
                         f" {node['html'][:200]}")
    return found


@pytest.mark.parametrize("path", _paths())
def test_page_has_no_serious_accessibility_violation(page, app_url, path):
    axe = _axe()
    open_app(page, app_url, path)
    page.wait_for_timeout(1500)  # maps and charts draw after the script ends
    found = blocking_violations(page, axe)
    for frame in page.frames[1:]:
        if frame.url.startswith(("about:", "http")) and not frame.is_detached():
            try:
                found += [f"[frame {frame.name or frame.url[:60]}] {line}" for line in blocking_violations(frame, axe)]
            except Exception as error:  # noqa: BLE001 - a frame replaced while we looked
                if "detached" not in str(error).lower() and "destroyed" not in str(error).lower():
                    raise
    assert not found, "\n".join(found)
