"""The studies of a storage: their summaries, one study's trials and attributes, and deleting one.

Plain values in and out (no Qt, nothing Optuna-typed in a result), so that each ``*_call`` runs as a
"call" job in the search page's worker host child and its result crosses the pipe as it is::

    link.submit_call(functools.partial(list_call, url), handler)

A study written by this app has the user attribute ``playground`` (its space, objective and fixed
training set-up: :meth:`~playground.search.spec.SearchSpec.study_attr`) and ``playground_run`` (the
method, total and sampler settings of its last run: :data:`~playground.search.spec.RUN_ATTR`).
Every error is a ValueError of one line.
"""
from __future__ import annotations

from pathlib import Path

from .spec import RUN_ATTR, STUDY_ATTR
from .storage import describe, open_storage


def _file_of(url: str) -> Path | None:
    """The file of an ``sqlite:///`` or ``journal:`` URL (None for other storages)."""
    if url.startswith("journal:"):
        return Path(url[len("journal:"):].removeprefix("//"))
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///"):])
    return None


def _absent(url: str) -> bool:
    """True for a storage file not made yet in a folder that exists: no studies (and none created).

    A missing folder is left to :func:`open_storage`, which names the problem.
    """
    path = _file_of(url)
    return path is not None and not path.exists() and path.parent.is_dir()


class _Opened:
    """``open_storage(url)`` as a context; the database engine is disposed of after use."""

    def __init__(self, url: str | None):
        if not url or url == "memory":
            raise ValueError("a memory storage keeps no studies between searches: give an sqlite:/// or "
                             "journal: storage")
        self.url = url

    def __enter__(self):
        self.storage = open_storage(self.url)
        return self.storage

    def __exit__(self, *exc):
        engine = getattr(self.storage, "engine", None)
        if engine is not None:
            engine.dispose()
        return False


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _guess_method(trials) -> str:
    """The method of a study that records none: a grid and coarse-to-fine mark their trials."""
    for t in trials:
        if "grid_id" in t.system_attrs:
            return "grid"
        if "c2f:box" in t.system_attrs:
            return "coarse-to-fine"
    return ""


def _changed(trials, started) -> str:
    """When the study last changed ("YYYY-MM-DD HH:MM", local time), or "" when Optuna has no date."""
    stamps = [d for t in trials for d in (t.datetime_complete, t.datetime_start) if d is not None]
    if started is not None:
        stamps.append(started)
    return max(stamps).strftime("%Y-%m-%d %H:%M") if stamps else ""


def summarize(storage) -> list[dict]:
    """One dict a study of ``storage``, by name.

    Each has ``name``, ``method`` ("" when unknown), ``complete``, ``pruned``, ``failed`` (failures a
    retry did not replace), ``waiting`` (queued or running), ``best`` (float or None), ``objective``
    (the app's objective, else Optuna's direction), ``changed`` (text, "" when unknown) and
    ``from_app`` (the study records its space, so the page can resume it).
    """
    import optuna

    from .study import retried_numbers

    S = optuna.trial.TrialState
    out = []
    for s in optuna.get_all_study_summaries(storage, include_best_trial=True):
        study_id = storage.get_study_id_from_name(s.study_name)
        trials = storage.get_all_trials(study_id, deepcopy=False)
        retried = retried_numbers(trials)
        attr = s.user_attrs.get(STUDY_ATTR)
        run = s.user_attrs.get(RUN_ATTR) or {}
        directions = [d.name.lower() for d in s.directions]
        best = s.best_trial.value if s.best_trial is not None and len(directions) == 1 else None
        out.append({
            "name": s.study_name,
            "method": run.get("method") or _guess_method(trials),
            "complete": sum(t.state == S.COMPLETE for t in trials),
            "pruned": sum(t.state == S.PRUNED for t in trials),
            "failed": sum(t.state == S.FAIL and t.number not in retried for t in trials),
            "waiting": sum(t.state in (S.WAITING, S.RUNNING) for t in trials),
            "best": None if best is None else float(best),
            "objective": attr["objective"] if isinstance(attr, dict) and "objective" in attr else "/".join(directions),
            "changed": _changed(trials, s.datetime_start),
            "from_app": isinstance(attr, dict) and "space" in attr,
        })
    return sorted(out, key=lambda d: d["name"])


def _space_of(trials) -> dict:
    """A ``[space]`` table read off the trials' distributions (for a study that records no space)."""
    from optuna.distributions import CategoricalDistribution

    space: dict = {}
    for t in trials:
        for name, d in t.distributions.items():
            if isinstance(d, CategoricalDistribution):
                space[name] = {"choices": list(d.choices)}
            else:
                space[name] = {"low": d.low, "high": d.high, "log": bool(d.log)}
    return space


def load(storage, name: str) -> dict:
    """Study ``name``'s trials and what it records of its search (plain values).

    Returns
    -------
    dict
        ``name``; ``records`` (the search job's record dicts,
        :func:`playground.workers.jobs_search.study_records`); ``attr`` (the ``playground`` user attribute,
        or None); ``run`` (``playground_run``, or {}); ``method`` (recorded or guessed, "" when unknown);
        ``direction`` ("minimize" or "maximize"); ``space`` (read off the trials' distributions).
    """
    import optuna

    from playground.workers.jobs_search import study_records

    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        raise ValueError(f"no study {name!r} in this storage (deleted by another window?)") from None
    trials = study.get_trials(deepcopy=False)
    run = dict(study.user_attrs.get(RUN_ATTR) or {})
    return {"name": name, "records": study_records(study), "attr": study.user_attrs.get(STUDY_ATTR),
            "run": run, "method": run.get("method") or _guess_method(trials),
            "direction": study.directions[0].name.lower(), "space": _space_of(trials)}


def list_call(url: str, progress=None, stop=None) -> list[dict]:
    """:func:`summarize` of the storage at ``url`` (a storage file not made yet: no studies)."""
    if _absent(url):
        return []
    try:
        with _Opened(url) as storage:
            return summarize(storage)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - database errors of every driver, in one line
        raise ValueError(f"storage {describe(url)}: cannot list its studies: {_first_line(exc)}") from None


def load_call(url: str, name: str, progress=None, stop=None) -> dict:
    """:func:`load` of study ``name`` at ``url``."""
    if _absent(url):
        raise ValueError(f"no study {name!r}: storage {describe(url)} does not exist yet")
    try:
        with _Opened(url) as storage:
            return load(storage, name)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"storage {describe(url)}: cannot read study {name!r}: {_first_line(exc)}") from None


def delete_call(url: str, name: str, progress=None, stop=None) -> str:
    """Delete study ``name`` at ``url`` (:func:`optuna.delete_study`); returns the name."""
    import optuna

    try:
        with _Opened(url) as storage:
            optuna.delete_study(study_name=name, storage=storage)
    except KeyError:
        raise ValueError(f"no study {name!r} in storage {describe(url)} (deleted already?)") from None
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"storage {describe(url)}: cannot delete study {name!r}: {_first_line(exc)}") from None
    return name
