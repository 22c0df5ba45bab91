"""Scene files: versioned TOML describing a page's whole set-up.

Every scene has ``version = 1`` and ``page = "<kind>"``; a saved one also says ``kind = "scene"``
(a file without ``kind`` is a version-1 scene, as every bundled scene is). The page kind picks its
schema from the one page registry (``playground.pages.PAGE_KINDS``), so later pages
add their own kinds to the same format. Bundled scenes live in ``assets/scenes`` (installed as
``playground.assets``).
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from playground.pages import page_kind
from playground.resources import assets_dir

SCENE_VERSION = 1
# Every file the app reads says what it is in ``kind``; these are planned but not read yet.
FUTURE_KINDS = ("lesson",)
#: Larger than any real scene (a scene of drawn points is tens of kB): refused before it is parsed.
MAX_FILE_BYTES = 4_000_000


def _bundled_dir():
    return assets_dir() / "scenes"


def list_scenes() -> list[str]:
    """Names of the bundled scenes, sorted."""
    d = _bundled_dir()
    return sorted(p.name[:-5] for p in d.iterdir() if p.name.endswith(".toml"))


def scene_lesson(name: str) -> str:
    """The one-line title of a bundled scene (for ``list scenes``)."""
    data = tomllib.loads((_bundled_dir() / f"{name}.toml").read_text(encoding="utf-8"))
    return str(data.get("title", data.get("lesson", "")).splitlines()[0] if data else "")


def resolve(name_or_path: str) -> tuple[str, str]:
    """Return (source label, TOML text) for a bundled name or a file path."""
    bundled = list_scenes()
    if name_or_path in bundled:
        return name_or_path, (_bundled_dir() / f"{name_or_path}.toml").read_text(encoding="utf-8")
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in name_or_path:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"{path}: larger than any real scene or session "
                                 f"(at most {MAX_FILE_BYTES // 1_000_000} MB)")
            return str(path), path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f"{path}: no such scene file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: cannot read: {exc}") from None
    raise ValueError(f"unknown scene {name_or_path!r}; bundled scenes: {', '.join(bundled)}")


def parse_scene(text: str, source: str = "<scene>") -> dict:
    """Parse and validate TOML text; errors name ``source`` and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None
    kind = data.pop("kind", "scene")  # a file without a kind is a version-1 scene (every bundled one)
    if kind != "scene":
        if kind == "session":
            raise ValueError(f"{source}: a session file, not a scene (open it with File > Open scene or session, "
                             f"or `optimizer-playground gui FILE`)")
        if kind == "space":
            raise ValueError(f"{source}: a search space, not a scene (run it with "
                             f"`optimizer-playground search --space FILE`)")
        if kind in FUTURE_KINDS:
            raise ValueError(f"{source}: this version cannot open {kind!r} files yet (only scenes)")
        raise ValueError(f"{source}: 'kind' must be 'scene', got {kind!r}")
    version = data.get("version")
    if version != SCENE_VERSION:
        raise ValueError(f"{source}: 'version' must be {SCENE_VERSION}, got {version!r}")
    try:
        pk = page_kind(data.get("page"))
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None
    try:
        return pk.validate(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{source}: {exc}") from None


def load_scene(name_or_path: str) -> dict:
    """Load a bundled scene by name, or a scene file by path, validated."""
    source, text = resolve(name_or_path)
    return parse_scene(text, source)


def save_scene(scene: dict, path: str | Path) -> None:
    """Write ``scene`` as TOML (validated first, so a saved file always reopens)."""
    scene = {"kind": "scene", **{k: v for k, v in scene.items() if k != "kind"}}
    scene.setdefault("version", SCENE_VERSION)
    text = tomli_w.dumps(drop_none(scene))
    parse_scene(text, str(path))
    Path(path).write_text(text, encoding="utf-8")


def drop_none(obj):
    """TOML has no null: drop None values recursively."""
    if isinstance(obj, dict):
        return {k: drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [drop_none(v) for v in obj if v is not None]
    return obj
