"""A session's results in a side file: ``NAME.results.npz`` beside ``NAME.toml``.

A session file holds settings only (:mod:`playground.sessions`). What a page computed from them (a
trained network's curves, decision surface, weights and histograms; a basin or hyperparameter map)
would take seconds to recompute, so it is kept beside the session, written off the GUI thread and
read back when the session opens. The user then sees the same picture at once.

The file is a plain ``.npz`` (``numpy.savez``, read with ``allow_pickle=False``: a session shared by
someone else can never run code). Its member ``manifest`` is JSON text describing the results tree;
every array in the tree is a member of its own, named in the manifest. Objects are rebuilt only as
one of the dataclasses in :data:`CLASSES`::

    manifest = {"format": 1, "saved": "2026-12-01T14:02:07",
                "pages": {"training": {"settings": "<sha256 of the page's settings>", "results": {...}}}}

The results of a page are used only when the side file was written with the session (same ``saved``
stamp) and for the same settings (same hash of the page's ``model.state()``). Anything else -- no
side file, a broken or foreign one, one for other settings -- gives a note for the status bar, and
the page shows its settings untrained, as a session without results does.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import zipfile
from pathlib import Path

import numpy as np

from playground.scenes import drop_none
from playground.sessions import checked_size

log = logging.getLogger(__name__)

FORMAT = 1
SUFFIX = ".results.npz"
#: Larger than any real results file: a 300x300 basin map and a long run are a few MB.
MAX_RESULTS_BYTES = 200_000_000

#: The only classes a results file may rebuild: name -> "module:Class".
CLASSES = {
    "Snapshot": "core.training.metrics:Snapshot",
    "DataView": "core.training.metrics:DataView",
    "Metrics": "core.training.metrics:Metrics",
    "LayerStats": "core.training.metrics:LayerStats",
    "LRRange": "core.training.lr_range:LRRange",
    "MapResult": "core.trajectories.map_loop:MapResult",
}


def results_path(session_path: str | Path) -> Path:
    """The side file of a session: ``lesson.toml`` -> ``lesson.results.npz`` (same folder)."""
    p = Path(session_path)
    return p.with_name((p.name[: -len(".toml")] if p.name.endswith(".toml") else p.name) + SUFFIX)


def settings_hash(state: dict) -> str:
    """SHA-256 of a page's settings (``model.state()``), the same for a state and its TOML round trip."""
    text = json.dumps(drop_none(state), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- the tree <-> JSON + arrays ------------------------------------------------------------------
def _encode(obj, arrays: dict):
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError("an object array cannot go into a results file")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError("results dicts need string keys")
        return {"__dict__": {k: _encode(v, arrays) for k, v in obj.items()}}
    if dataclasses.is_dataclass(obj) and type(obj).__name__ in CLASSES:
        fields = {f.name: _encode(getattr(obj, f.name), arrays) for f in dataclasses.fields(obj)}
        return {"__class__": type(obj).__name__, "fields": fields}
    raise TypeError(f"a {type(obj).__name__} cannot go into a results file")


def _rekey(node, renamed: dict):
    if isinstance(node, list):
        return [_rekey(v, renamed) for v in node]
    if isinstance(node, dict):
        if set(node) == {"__array__"}:
            return {"__array__": renamed[node["__array__"]]}
        return {k: _rekey(v, renamed) for k, v in node.items()}
    return node


def _class(name: str):
    import importlib

    module, _, attr = CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def _decode(node, arrays):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError("unknown node in the manifest")
    if "__array__" in node:
        return arrays[str(node["__array__"])]
    if "__tuple__" in node:
        return tuple(_decode(v, arrays) for v in node["__tuple__"])
    if "__dict__" in node:
        return {str(k): _decode(v, arrays) for k, v in node["__dict__"].items()}
    if "__class__" in node and node["__class__"] in CLASSES:
        cls = _class(node["__class__"])
        names = {f.name for f in dataclasses.fields(cls)}
        fields = node.get("fields", {})
        if not isinstance(fields, dict) or set(fields) - names:
            raise ValueError(f"fields of {node['__class__']} do not fit this version")
        return cls(**{k: _decode(v, arrays) for k, v in fields.items()})
    raise ValueError("unknown node in the manifest")


# -- files -----------------------------------------------------------------------------------------
def write_results(path: str | Path, saved: str, pages: dict) -> None:
    """Write ``pages`` ({kind: {"settings": hash, "results": tree}}) to ``path``, atomically.

    Runs on a worker (a few MB of arrays): a temporary file in the same folder, fsync, rename.
    """
    path = Path(path)
    arrays: dict = {}
    encoded = {}
    for kind, entry in pages.items():
        mine: dict = {}
        try:
            encoded[kind] = {"settings": entry["settings"], "results": _encode(entry["results"], mine)}
        except TypeError:  # one page's odd value must not cost the others (or the session) their save
            log.warning("the %s page's results cannot be kept beside the session", kind, exc_info=True)
            continue
        # Member names unique across pages: re-key this page's arrays after the others'.
        renamed = {k: f"a{len(arrays) + i}" for i, k in enumerate(mine)}
        encoded[kind]["results"] = _rekey(encoded[kind]["results"], renamed)
        arrays.update({renamed[k]: v for k, v in mine.items()})
    manifest = {"format": FORMAT, "saved": saved, "pages": encoded}
    arrays["manifest"] = np.array(json.dumps(manifest))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_side_file(path: str | Path, saved: str, pages: dict) -> None:
    """:func:`write_results`, or remove a side file left from an earlier save when ``pages`` is empty."""
    if pages:
        write_results(path, saved, pages)
    else:
        Path(path).unlink(missing_ok=True)


def read_results(path: str | Path, saved: str) -> dict:
    """The results trees of a side file written with the session stamped ``saved``.

    Returns
    -------
    dict
        ``{kind: {"settings": hash, "results": tree}}``.

    Raises
    ------
    ValueError
        One line naming the file and the problem (missing, broken, foreign, too large, another save's).
    """
    path = Path(path)
    checked_size(path, MAX_RESULTS_BYTES, missing="no results file beside the session",
                 too_large="larger than any real results file")
    if not zipfile.is_zipfile(path):  # np.load would take anything else for a pickle
        raise ValueError(f"{path}: not a readable results file (not an .npz archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a readable results file ({exc})") from None
    if unpacked > MAX_RESULTS_BYTES:  # a packed member that would unpack past any real results
        raise ValueError(f"{path}: larger than any real results file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            manifest = json.loads(str(npz["manifest"][()]))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise ValueError("not a results file of this version")
            if manifest.get("saved") != saved:
                raise ValueError("written with another save of the session (kept from an earlier one?)")
            arrays = {k: npz[k] for k in npz.files if k != "manifest"}
            pages = manifest.get("pages")
            if not isinstance(pages, dict):
                raise ValueError("no pages in the manifest")
            return {str(k): {"settings": str(v.get("settings")), "results": _decode(v.get("results"), arrays)}
                    for k, v in pages.items()}
    except ValueError as exc:
        raise ValueError(f"{path}: the results could not be used: {exc}") from None
    except (OSError, KeyError, TypeError, AttributeError, EOFError, zipfile.BadZipFile, io.UnsupportedOperation,
            json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable results file ({type(exc).__name__}: {exc})".splitlines()[0]) from None


def collect(pages, session: dict) -> dict:
    """The results of ``pages`` (``{kind: page}``) for ``session``'s settings, as :func:`write_results` takes them.

    ``{kind: {"settings": hash of the page's state, "results": tree}}``; a page with nothing computed
    (``page.results()`` None, or no such method) is left out. Cheap: the pages hand over references.
    """
    out = {}
    for kind, page in pages.items():
        r = page.results() if hasattr(page, "results") else None
        if r is not None and kind in session["pages"]:
            out[kind] = {"settings": settings_hash(session["pages"][kind]), "results": r}
    return out


def restore(pages, session: dict) -> tuple[Path | None, list[str]]:
    """Show the side file's results of ``session`` (a parsed session with its ``source``) on ``pages``.

    Returns
    -------
    path : Path or None
        The side file (None when the session names none).
    left : list of str
        What could not be restored, one short line each. ValueError (one line) when the file itself
        cannot be read.
    """
    name, source = session.get("results"), session.get("source") or ""
    if not name or not source or source.startswith("<"):
        return None, []
    path = Path(source).with_name(name)
    saved = read_results(path, session.get("saved", ""))
    left = []
    for kind, entry in saved.items():
        page, state = pages.get(kind), session["pages"].get(kind)
        if page is None or state is None or not hasattr(page, "restore_results"):
            left.append(f"{kind}: no such page here")
        elif entry["settings"] != settings_hash(state):
            left.append(f"{kind}: computed for other settings")
        else:
            try:
                left.extend(f"{kind}: {s}" for s in (page.restore_results(entry["results"]) or ()))
            except Exception as exc:  # noqa: BLE001 - a damaged entry: say so, keep the settings shown
                log.exception("restoring the %s page's results from %s failed", kind, path)
                left.append(f"{kind}: {type(exc).__name__}: {exc}".splitlines()[0])
    return path, left
