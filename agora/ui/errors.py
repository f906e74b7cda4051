"""A friendly message instead of a traceback, with a reference to the server log.

Every page body runs inside :func:`friendly_errors`: the entry script wraps
``st.navigation(...).run()`` in it, and :func:`agora.ui.shell.page_shell` runs a page
that was opened alone (a deep link on a fresh server) inside it too (see
:func:`run_page_guarded`). An unexpected exception then shows "Something went wrong
(reference ABCD1234)" while the full traceback, with the same reference, goes to the
server log. Streamlit's own ``client.showErrorDetails = "none"`` (``.streamlit/config.toml``)
hides anything that still gets past.
"""

from __future__ import annotations

import logging
import runpy
import secrets
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import streamlit as st
from streamlit import config
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

LOG = logging.getLogger("agora")
T = TypeVar("T")

_state = threading.local()  # Streamlit runs each script run in a thread of its own


def active() -> bool:
    """True inside :func:`friendly_errors` (the current script run is already guarded)."""
    return getattr(_state, "depth", 0) > 0


def report(exc: BaseException) -> str:
    """Log `exc` with its traceback under a new reference; show the friendly message; return the reference."""
    ref = secrets.token_hex(4).upper()
    LOG.error("Unexpected error, reference %s", ref, exc_info=exc)
    st.error(f"Something went wrong (reference {ref}). The page could not be shown; please try again later, "
             "and quote the reference if you tell the town team.", icon=":material/error:")
    return ref


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Run the body; any unexpected exception becomes :func:`report`'s message.

    Streamlit's own control flow (``st.stop``, ``st.rerun``, ``st.switch_page``)
    passes through.
    """
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    except ScriptControlException:
        raise
    except Exception as exc:  # the point: nothing unexpected reaches the viewer as a traceback
        report(exc)
        if config.get_option("client.showErrorDetails") in ("full", "stacktrace", True):
            st.exception(exc)  # a developer's copy (STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full)
    finally:
        _state.depth -= 1


def guarded(run: Callable[[], T]) -> T | None:
    """Call `run` inside :func:`friendly_errors` (None when it failed)."""
    with friendly_errors():
        return run()
    return None


def run_page_guarded(path: str) -> None:
    """Run the page script at `path` inside :func:`friendly_errors`, then stop this run.

    For a page opened alone, whose body the entry script does not wrap: its first
    call to the shell runs the whole file again, guarded, and the unguarded run ends.
    """
    with friendly_errors():
        runpy.run_path(path, run_name="__main__")
    st.stop()
