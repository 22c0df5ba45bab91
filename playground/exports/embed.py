"""Copying the app's own functions into an exported script, as readable source naming its origin.

An exported script must not import this package, yet it has to draw the same random numbers as the
app. So it carries the very functions the app runs (``inspect.getsource`` at export time, never a
hand-kept copy that could drift), each under a comment naming the module it comes from.
"""
from __future__ import annotations

import inspect
import textwrap


def source_of(obj, *, note: str = "") -> str:
    """``obj``'s source with a first line ``# From module.name (unchanged).`` (or ``note`` in place
    of "unchanged")."""
    module = inspect.getmodule(obj)
    where = f"{module.__name__}.{obj.__name__}" if module is not None else obj.__name__
    head = f"# From {where} ({note or 'unchanged'})."
    return head + "\n" + textwrap.dedent(inspect.getsource(obj)).rstrip() + "\n"


def section(title: str) -> str:
    """A comment line that starts a part of the script."""
    return f"\n\n# {'-' * 4} {title} {'-' * max(4, 90 - len(title))}\n"



def tidy(text: str) -> str:
    """At most two blank lines in a row (the pieces are joined with blank lines around each)."""
    while "\n\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text
