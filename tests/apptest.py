"""Run a page with Streamlit's AppTest, the way a deep link runs it on a fresh server."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import PROJECT


def run_page(page: str, timeout: float = 60, **query: str) -> AppTest:
    """Run ``pages/<page>.py`` alone with `query` as URL query parameters."""
    at = AppTest.from_file(str(PROJECT / "pages" / f"{page}.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def run_dashboard(timeout: float = 60, **query: str) -> AppTest:
    """Run the entry script (the default page) with `query` as URL query parameters."""
    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _validating(path: str, filename: str, layer: str, ws: str, chunk_rows: int, rows_read: int | None) -> None:
    """A page that validates a file as the Data page does, in chunks of `chunk_rows`, its bar left shown."""
    import agora.loaders.chunks as chunks
    from agora.ui import upload

    keep = chunks.CHUNK_ROWS, upload.ProgressBar.done
    chunks.CHUNK_ROWS = chunk_rows
    upload.ProgressBar.done = lambda self: None  # keep the bar on the page to look at
    try:
        result, error = upload.validate(path, filename, layer, (), (), ws, 0)
    finally:
        chunks.CHUNK_ROWS, upload.ProgressBar.done = keep
    assert error is None, error
    assert rows_read is None or result.report.rows_read == rows_read


def progress_while_validating(path, filename: str, layer: str, workspace_path, *, chunk_rows: int,
                              rows_read: int | None = None) -> list:
    """The progress bars a page shows while it validates `path` as the Data page does."""
    at = AppTest.from_function(_validating, args=(str(path), filename, layer, str(workspace_path), chunk_rows,
                                                  rows_read), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return [e for e in at.main if e.type == "progress"]
