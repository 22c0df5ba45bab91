"""Bundled scenes, icons and themes (installed as ``playground.assets``)."""
