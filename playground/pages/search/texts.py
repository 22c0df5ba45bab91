"""The search page's status texts, from its model alone (no widgets): progress, counts, the final test."""
from __future__ import annotations

import time

from playground.pages.search.model import SearchStatus
from widgets.search.base import value_text

TEST_NOTE = ("The test split was used only here, once, for the best trial: every trial was scored on the "
             "validation split.")


def counts_text(records) -> str:
    """"12 trials complete, 3 pruned, 1 failed" (the pruned and failed parts only when there are some)."""
    c = {s: sum(r.state == s for r in records) for s in ("complete", "pruned", "fail")}
    out = f"{c['complete']} trials complete"
    if c["pruned"]:
        out += f", {c['pruned']} pruned"
    if c["fail"]:
        out += f", {c['fail']} failed"
    return out


def progress_text(model, now: float | None = None) -> str:
    """"7/20 trials · best 0.312 · ~14 s left" (the time left while running, from this run's trials)."""
    m = model
    done = sum(r.state != "running" for r in m.records)
    if not m.total:
        return "no trials yet"
    best = m.best()
    parts = [f"{done}/{m.total} trials"]
    if best is not None:
        parts.append(f"best {value_text(best.finite_value)}")
    if m.status is SearchStatus.RUNNING and m.started_at is not None:
        ran = done - m.done_at_start
        left = m.total - done
        if ran > 0 and left > 0:
            s = ((time.monotonic() if now is None else now) - m.started_at) / ran * left
            parts.append(f"~{s:.0f} s left" if s < 120 else f"~{s / 60:.0f} min left")
    return " · ".join(parts)


def final_text(final: dict | None) -> str:
    """The best trial's one test evaluation, and the note that the test split was used only there."""
    if not final or final.get("best") is None:
        return ""
    acc = "" if final.get("test_acc") is None else f", test accuracy {final['test_acc']:.3f}"
    loss = "-" if final.get("test_loss") is None else f"{final['test_loss']:.4g}"
    return f"<b>Final test</b> of the best trial {final['best']}: test loss {loss}{acc}. {TEST_NOTE}"
