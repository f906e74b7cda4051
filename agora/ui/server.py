"""Start an app server with the pages' libraries already imported.

A Streamlit server imports what a page needs on the page's first visit: geopandas,
pyarrow, folium, Altair, SQLAlchemy and the project's own ui modules, about a second of
the first visitor's wait. ``python -m agora.ui.server [streamlit options]`` imports them
first and then runs ``streamlit run dashboard.py`` with the options given, so the first
visitor waits only for the town's figures. ``./run.sh`` and ``deploy/agora@.service``
start the dashboard this way.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

#: Libraries the pages import where they are used (inside functions), imported up front.
#: Not streamlit_folium: a component declared outside a script run is not registered with
#: the server, so its front end would not be served; it is imported where a map is drawn.
LIBRARIES = (
    "geopandas",
    "pyarrow.parquet",
    "pandas.io.formats.style",  # Compare's coloured table (and Jinja2's templates)
    "duckdb",
    "folium",
    "branca",
    "altair",
    "sqlalchemy",
    "scipy.sparse",
)

#: The project's packages whose modules the pages import.
PACKAGES = ("agora.ui", "agora.report", "agora.store", "agora.service", "agora.analysis")

#: Streamlit's loggers that warn when its functions are met before the server runs (a
#: cache decorator's check of its options, a component declared): expected while preloading.
QUIET = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.scriptrunner_utils.script_run_context")


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # a filter, not a level: Streamlit sets its loggers' levels again when it reads its config
    loggers = [logging.getLogger(name) for name in QUIET]
    for logger in loggers:
        logger.addFilter(_errors_only)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(_errors_only)


def preload() -> list[str]:
    """Import the libraries and the project's modules the pages use.

    Returns
    -------
    list of str
        The modules imported, in order.
    """
    names = list(LIBRARIES)
    with _quiet():
        for name in LIBRARIES:
            importlib.import_module(name)
        for package in PACKAGES:
            module = importlib.import_module(package)
            found = [info.name for info in pkgutil.walk_packages(module.__path__, package + ".")
                     if info.name != __name__]
            for name in found:
                importlib.import_module(name)
            names += [package, *found]
    _skip_direct_run_check()
    return names


def _skip_direct_run_check() -> None:
    """Mark Streamlit's "not run with ``streamlit run``" check as done.

    Streamlit makes it on the first element a process draws, reading every frame of the
    stack with its source lines (``inspect.stack``): a tenth of a second or more of the first
    visitor's wait, for a warning that a server started by ``streamlit run`` never gives.
    """
    from streamlit import delta_generator

    delta_generator._use_warning_has_been_displayed = True


def main(argv: list[str] | None = None) -> int:
    """Preload, then run ``streamlit run dashboard.py`` with ``argv`` as its options."""
    preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(PROJECT / "dashboard.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
