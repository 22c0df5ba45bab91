"""Session files: the whole app in one versioned TOML file of ``kind = "session"``.

A session holds settings, never results: those are recomputed when it opens (the racers), or
kept beside it in ``NAME.results.npz`` (:mod:`playground.session_results`: a trained run, the maps)::

    kind = "session"
    version = 1
    saved = "2026-12-01T14:02:07"     # local time of the write
    results = "lesson.results.npz"    # the side file beside it, when a page has results
    page = "optimizer"                # the page that was showing
    theme = "light"

    [window]                          # the window's layout
    width = 1280
    height = 800
    maximized = false
    [window.splitters]                # each page's splitter sizes in pixels, outer splitter first
    training = [[480, 620], [500, 400], [300, 300]]
    optimizer = [[560, 330, 380]]     # only once the user dragged it (else the page's proportions)

    [pages.optimizer]                 # each page's model settings: OptimizerModel.state()
    ...
    [pages.training]                  # TrainingModel.state()
    ...

A file is validated once, here, where it is read: every page's settings go through its model
(``PageKind.model_class()``), so an unknown optimizer, surface or dataset is refused with the key's
name, and nothing of the running app changes until the whole file has passed.
"""
from __future__ import annotations

import datetime as _dt
import os
import tomllib
from pathlib import Path

import tomli_w

from playground.pages import PAGE_KINDS, page_kind
from playground.scenes import drop_none

SESSION_VERSION = 1
#: Larger than any real session: eight racers and a few thousand drawn points are tens of kB.
MAX_SESSION_BYTES = 4_000_000
_TOP = ("kind", "version", "saved", "page", "theme", "window", "pages", "results")
_WINDOW = ("width", "height", "maximized", "x", "y", "splitters")


def now_stamp() -> str:
    """The local time to the second, as a session's ``saved`` stamp."""
    return _dt.datetime.now().replace(microsecond=0).isoformat()


def session_text(session: dict) -> str:
    """The TOML text of a session dict (``kind``, ``version`` filled in; ``saved`` unless given)."""
    out = {"kind": "session", "version": SESSION_VERSION, "saved": session.get("saved") or now_stamp()}
    out.update({k: v for k, v in session.items() if k not in ("kind", "version", "saved", "source")})
    return tomli_w.dumps(drop_none(out))


def parse_session(text: str, source: str = "<session>") -> dict:
    """Parse and validate a session's TOML text; ValueError names ``source`` and the problem.

    Returns
    -------
    dict
        ``{"saved": str, "page": str | None, "theme": str | None, "window": dict, "pages": {kind: state},
        "source": str}`` where each state has passed its page model's ``set_state``.
    """
    if len(text.encode("utf-8", "replace")) > MAX_SESSION_BYTES:
        raise ValueError(f"{source}: larger than any real session (at most {MAX_SESSION_BYTES // 1_000_000} MB)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not a readable session file (broken or cut short): {exc}") from None
    kind = data.get("kind", "scene")
    if kind != "session":
        raise ValueError(f"{source}: a {kind!r} file, not a session")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{source}: 'version' must be a whole number >= 1, got {version!r}")
    if version > SESSION_VERSION:
        raise ValueError(f"{source}: session version {version} is from a newer version of the app "
                         f"(this one reads up to {SESSION_VERSION}); update the app to open it")
    unknown = sorted(set(data) - set(_TOP))
    if unknown:
        raise ValueError(f"{source}: unknown key {unknown[0]!r}; allowed: {', '.join(_TOP)}")
    pages = data.get("pages")
    if not isinstance(pages, dict) or not pages:
        raise ValueError(f"{source}: 'pages' must be a table with one table per page (the file may be cut short)")
    states = {}
    for kind_name, state in pages.items():
        try:
            pk = page_kind(kind_name)
        except ValueError as exc:
            raise ValueError(f"{source}: pages.{kind_name}: {exc}") from None
        if not isinstance(state, dict):
            raise ValueError(f"{source}: pages.{kind_name} must be a table")
        try:
            model = pk.model_class()()
            model.set_state(state)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{source}: pages.{kind_name}: {exc}") from None
        states[kind_name] = model.state()
    page = data.get("page")
    if page is not None and page not in pages:
        raise ValueError(f"{source}: 'page' must name one of the pages in the file "
                         f"({', '.join(pages)}), got {page!r}")
    theme = data.get("theme")
    if theme is not None:
        from widgets.theme import THEMES

        if theme not in THEMES:
            raise ValueError(f"{source}: 'theme' must be one of {', '.join(THEMES)}, got {theme!r}")
    results = data.get("results")
    if results is not None and (not isinstance(results, str) or not results.endswith(".npz")
                                or Path(results).name != results or results.startswith(".")):
        raise ValueError(f"{source}: 'results' must name a .npz file beside the session, got {results!r}")
    window = data.get("window", {})
    if not isinstance(window, dict):
        raise ValueError(f"{source}: [window] must be a table")
    bad = sorted(set(window) - set(_WINDOW))
    if bad:
        raise ValueError(f"{source}: unknown key {bad[0]!r} in [window]; allowed: {', '.join(_WINDOW)}")
    for key in ("width", "height", "x", "y"):
        v = window.get(key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or abs(v) > 100_000
                              or (key in ("width", "height") and v < 1)):
            raise ValueError(f"{source}: window.{key} must be a whole number of pixels, got {v!r}")
    if not isinstance(window.get("maximized", False), bool):
        raise ValueError(f"{source}: window.maximized must be true or false")
    _check_splitters(window.get("splitters", {}), source)
    return {"saved": str(data.get("saved", "")), "page": page, "theme": theme, "window": dict(window),
            "pages": states, "results": results, "source": source}


def _check_splitters(splitters, source: str) -> None:
    if not isinstance(splitters, dict):
        raise ValueError(f"{source}: [window.splitters] must be a table of page = [[sizes], ...]")
    for kind, lists in splitters.items():
        if kind not in page_kinds():
            raise ValueError(f"{source}: window.splitters.{kind}: no such page; pages: {', '.join(page_kinds())}")
        if not isinstance(lists, list) or not all(
                isinstance(sizes, list) and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100_000
                                                for v in sizes) for sizes in lists):
            raise ValueError(f"{source}: window.splitters.{kind} must be lists of whole numbers of pixels, "
                             f"got {lists!r}")


def checked_size(path: Path, limit: int, *, missing: str, too_large: str) -> int:
    """``path``'s size in bytes; ValueError ``"PATH: missing"``, ``"PATH: too_large"`` (over ``limit``) or
    ``"PATH: cannot read: ..."`` before anything is read from it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValueError(f"{path}: {missing}") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    if size > limit:
        raise ValueError(f"{path}: {too_large}")
    return size


def read_session(path: str | Path) -> dict:
    """Read and validate the session file at ``path`` (ValueError naming the file and the problem)."""
    path = Path(path)
    checked_size(path, MAX_SESSION_BYTES, missing="no such session file",
                 too_large=f"larger than any real session (at most {MAX_SESSION_BYTES // 1_000_000} MB)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a readable session file (not UTF-8 text)") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    return parse_session(text, str(path))


def atomic_write(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves either the old file or the new one, never half.

    A temporary file in the same folder, flushed and fsync'ed, then renamed over ``path``
    (a rename within one file system is atomic on POSIX and Windows).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # the rename itself survives a power cut only once the folder is synced
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename is still atomic
    finally:
        os.close(fd)


def save_session(session: dict, path: str | Path) -> str:
    """Write ``session`` to ``path`` (validated first, so a saved file always reopens); returns the text."""
    text = session_text(session)
    parse_session(text, str(path))
    atomic_write(path, text)
    return text


def page_kinds() -> tuple[str, ...]:
    """The kinds of page a session can hold (the registry's)."""
    return tuple(pk.kind for pk in PAGE_KINDS)
