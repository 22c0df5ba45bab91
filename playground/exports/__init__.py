"""Exports of a scene to files a course author takes away (``optimizer-playground export-script``).

:func:`playground.exports.pytorch_script.export_script` turns a scene into a standalone PyTorch
program that imports torch and numpy only.
"""
