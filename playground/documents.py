"""Every file the app opens, told apart by its ``kind``: one resolution order for ``gui``, File > Open
and the scripting API.

A name is looked up among the bundled scenes first, then taken as a path. The file's ``kind`` says
what it is: ``"scene"`` (a file without ``kind`` is a version-1 scene, as every bundled one is) or
``"session"``; later ``"lesson"`` and ``"space"``. Each kind is validated once, here, by its own
module (:mod:`playground.scenes`, :mod:`playground.sessions`), and the message names the file.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass

from playground import scenes, sessions


@dataclass(frozen=True)
class Document:
    """A validated file: its ``kind``, where it came from, and its content (a scene or a session dict)."""

    kind: str
    source: str
    data: dict


def read_document(name_or_path: str) -> Document:
    """Read and validate a bundled scene name or a scene or session file (ValueError naming the file)."""
    source, text = scenes.resolve(name_or_path)
    try:
        kind = tomllib.loads(text).get("kind", "scene")
    except tomllib.TOMLDecodeError:
        kind = "scene"  # the scene parser gives the message, with its line and column
    if kind == "session":
        return Document("session", source, sessions.parse_session(text, source))
    return Document("scene", source, scenes.parse_scene(text, source))
