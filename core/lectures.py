"""The lectures the app follows, cited by their own titles (docs/lectures.md).

Update rules and lessons cite a lecture by a short name; :data:`LECTURES` maps each short name to the
title and author the notes give, so a panel can list the full references under a rule.
"""
from __future__ import annotations

LECTURES = {
    "Hyp. & Reg.": "\"Hyperparameters and Regularization\" (lecture notes)",
    "Improving Deep NNs": "\"Improving Deep Neural Networks: Hyperparameters tuning, Regularization and Optimization\"",
    "Zhang": "Qingrun Zhang, \"Hyperparameter tuning\"",
    "Dif": "Dr N. Dif, \"Deep Learning\" (ESI-SBA)",
    "Kira": "Zsolt Kira, \"CS 4644-DL / 7643-A: Optimization\" (Georgia Tech)",
}


def cited_in(text: str) -> list[str]:
    """Full references of the lectures whose short names occur in ``text``, in :data:`LECTURES` order."""
    return [f"{short}: {full}" for short, full in LECTURES.items() if short in text]
