"""Exports: what a course author takes away from a page.

- animations (``optimizer-playground animate``): :mod:`playground.exports.animation`, written by
  :mod:`~playground.exports.gif_writer` (Pillow) and :mod:`~playground.exports.mp4_writer` (imageio-ffmpeg);
- runnable scripts (``optimizer-playground export-script``):
  :func:`playground.exports.pytorch_script.export_script` turns a scene into a standalone PyTorch
  program that imports torch and numpy only.
"""
