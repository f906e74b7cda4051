"""Show user-derived text through Streamlit markdown as plain text.

Town names, dataset sources, file names, column names from uploads and URL
parameters are data, not markup: :func:`md` escapes them so that links, images,
HTML, icons (``:material/...:``), colours (``:red[...]``) and maths (``$...$``) stay
text wherever Streamlit renders markdown (titles, captions, warnings, metric and tab
labels, expanders, toasts).
"""

from __future__ import annotations

import html
import re

# ASCII punctuation that means something to Streamlit's markdown (CommonMark, tables,
# strikethrough, maths, colour directives and ``:material/...:`` icons); each is
# backslash-escaped. ``& < >`` become HTML entities after that. Parentheses stay as they
# are: with ``[`` and ``]`` escaped they cannot make a link.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]#+\-.!|~:/$=^])")


def md(text: object) -> str:
    """`text` escaped for Streamlit markdown: it renders as exactly the same characters.

    Parameters
    ----------
    text : object
        Any value; ``None`` and missing values become an empty string.

    Returns
    -------
    str
        HTML specials as entities (``<img>`` shows as text), markdown punctuation
        backslash-escaped (``[x](http://...)`` is no link, ``![i](...)`` no image,
        ``:material/home:`` no icon, ``$x$`` no formula), line breaks as spaces.

    Examples
    --------
    >>> print(md("[Sign in](http://evil.example)"))
    \\[Sign in\\](http\\:\\/\\/evil\\.example)
    """
    if text is None or (not isinstance(text, str) and _is_missing(text)):
        return ""
    value = " ".join(str(text).splitlines())
    return html.escape(_MARKDOWN.sub(r"\\\1", value), quote=False)


def _is_missing(value: object) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
