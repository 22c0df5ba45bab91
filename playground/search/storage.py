"""Where a study lives: in memory (the default), an Optuna RDB URL, or a journal file.

- ``None`` / ``"memory"``: :class:`optuna.storages.InMemoryStorage`, gone with the process.
- ``sqlite:///search.db``, ``postgresql+psycopg://user@host/db`` (any SQLAlchemy URL Optuna takes):
  :class:`optuna.storages.RDBStorage` with a heartbeat, so the RUNNING trials of a killed run turn
  stale and are failed and retried (:class:`optuna.storages.RetryHeartbeatStaleTrialCallback`, the
  new name of ``RetryFailedTrialCallback``, deprecated in Optuna 4.9) when the study
  is opened again; SQLite gets a busy timeout, so a second process waits for the lock instead of
  failing with "database is locked".
- ``journal:PATH``: :class:`optuna.storages.JournalStorage` on a
  :class:`~optuna.storages.journal.JournalFileBackend`: an append-only log file that several local
  processes share safely (no heartbeat: a killed run's trials stay RUNNING there).
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

#: Seconds between heartbeats of a running trial, and after which a silent one counts as dead.
HEARTBEAT_S = 20
GRACE_S = 60
#: A trial killed this many times is failed for good.
MAX_RETRY = 3
#: How long an SQLite writer waits for another process's lock.
SQLITE_TIMEOUT_S = 60

_log = logging.getLogger(__name__)


def describe(url: str | None) -> str:
    """``url`` fit to print: the password hidden."""
    if not url or url == "memory":
        return "memory"
    if url.startswith("journal:"):
        return url
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is reported by open_storage
        return url.split("@")[-1] if "@" in url else url


def open_storage(url: str | None, *, heartbeat_interval: int = HEARTBEAT_S, grace_period: int | None = GRACE_S,
                 max_retry: int | None = MAX_RETRY):
    """The Optuna storage for ``url`` (see the module docstring).

    Raises
    ------
    ValueError
        One line for a malformed or unreachable URL, a missing database driver or an unwritable
        journal file (the password never appears in it).
    """
    import optuna

    if not url or url == "memory":
        return optuna.storages.InMemoryStorage()
    shown = describe(url)
    if url.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

        path = url[len("journal:"):].removeprefix("//")
        if not path:
            raise ValueError("--storage journal:PATH needs a file path, e.g. journal:search.log")
        try:
            # The open(2)-based lock: the symlink lock is not available on every file system.
            return optuna.storages.JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))
        except OSError as exc:
            raise ValueError(f"--storage {shown}: cannot open the journal file: {exc}") from None
    import sqlalchemy.exc

    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except (sqlalchemy.exc.ArgumentError, ValueError):
        raise ValueError(f"--storage {shown}: not a database URL (expected e.g. sqlite:///search.db, "
                         "postgresql+psycopg://user@host/db or journal:search.log)") from None
    _alembic_script_once()
    connect_args: dict = {}
    if parsed.get_backend_name() == "sqlite":
        connect_args["timeout"] = SQLITE_TIMEOUT_S
    elif parsed.get_backend_name() in ("postgresql", "mysql"):
        connect_args["connect_timeout"] = 10  # an unreachable server fails in seconds, not minutes
    try:
        with warnings.catch_warnings():  # the heartbeat and its callback are "experimental" since Optuna 2.8
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            callback = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry)
            storage = optuna.storages.RDBStorage(
                url, engine_kwargs={"connect_args": connect_args, "pool_pre_ping": True},
                heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                heartbeat_stale_trial_callback=callback, skip_compatibility_check=True)
        _check_schema(storage, shown)
        if parsed.get_backend_name() == "sqlite":
            _sqlite_wal(storage.engine)
        return storage
    except ImportError as exc:  # Optuna wraps the driver's ModuleNotFoundError
        cause = exc if isinstance(exc, ModuleNotFoundError) else exc.__cause__
        name = getattr(cause, "name", None) or parsed.get_driver_name()
        extra = " (pip install 'optimizer-playground[postgres]')" if "psycopg" in str(name) else ""
        raise ValueError(f"--storage {shown}: the database driver {name!r} is not installed{extra}") from None
    except (sqlalchemy.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError, OSError) as exc:
        cause = exc.__cause__ or exc
        first = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise ValueError(f"--storage {shown}: cannot open the database: {first}") from None


def _alembic_script_once() -> None:
    """Make Optuna build alembic's script directory once a process, not at every use.

    Building it executes every one of Optuna's migration scripts; opening a new database used it three
    times (the head revision, the stamp, our schema check). The scripts are the installed package's
    files, so one directory serves every database. Nothing changes if Optuna's internals moved.
    """
    try:
        from optuna.storages._rdb.storage import _VersionManager
    except ImportError:  # pragma: no cover - Optuna internals moved
        return
    build = getattr(_VersionManager, "_create_alembic_script", None)
    if build is None or getattr(build, "_once", False):
        return
    built: list = []

    def once(self):
        if not built:
            built.append(build(self))
        return built[0]

    once._once = True
    _VersionManager._create_alembic_script = once


def _check_schema(storage, shown: str) -> None:
    """Optuna's check that the database's schema is the one it writes, with a one-line message (the head
    revision comes from the script directory built once a process, :func:`_alembic_script_once`).

    Raises
    ------
    ValueError
        One line naming both versions and the command that upgrades the database.
    """
    head = storage.get_head_version()
    current = storage.get_current_version()
    if current != head:
        raise ValueError(f"--storage {shown}: the database was written by another version of Optuna (schema "
                         f"{current}, this Optuna writes {head}); upgrade it with `optuna storage upgrade "
                         f"--storage URL`, or use another database")


def _sqlite_wal(engine) -> None:
    """Write-ahead logging with ``synchronous=NORMAL`` on every connection of ``engine``.

    Optuna commits once per call (a trial's ask and tell are about 15 commits), and SQLite's default
    journal syncs the disk at each: 964 commits took 8 s of a 16 s search of 64 batched trials. In WAL
    mode a commit appends to the log and syncs only at checkpoints; the database stays consistent
    after a crash (a power cut may lose the last trials), and readers no longer block the writer, so
    two processes on one study wait less for the lock. WAL needs a local file system (not NFS).
    """
    from sqlalchemy import event

    def on_connect(dbapi_connection, _record):
        cur = dbapi_connection.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        finally:
            cur.close()

    event.listen(engine, "connect", on_connect)
    engine.dispose()  # the connection Optuna opened to create the tables predates the listener


def unwrap(storage):
    """The RDBStorage inside the cache ``create_study`` wraps it in (other storages as they are)."""
    return storage._backend if type(storage).__name__ == "_CachedStorage" else storage


def trial_number(storage, trial_id: int) -> int:
    """The number of trial ``trial_id`` (RDBStorage's own method reads the whole trial back: 12 ms)."""
    import optuna

    backend = unwrap(storage)
    if isinstance(backend, optuna.storages.RDBStorage):
        try:
            from optuna.storages._rdb import models
            from optuna.storages._rdb.storage import _create_scoped_session

            with _create_scoped_session(backend.scoped_session) as session:
                return int(models.TrialModel.find_or_raise_by_id(trial_id, session).number)
        except (ImportError, AttributeError):  # pragma: no cover - Optuna internals moved
            pass
    return storage.get_trial_number_from_id(trial_id)


def record_heartbeats(storage, trial_ids) -> None:
    """Record a heartbeat for each of ``trial_ids`` in ONE transaction on an RDB storage, as Optuna's
    ``record_heartbeat`` does for one (the database's clock, ``now()``); elsewhere, that call per trial.

    A round of 64 batched trials was 64 transactions at each beat.
    """
    import optuna

    backend = unwrap(storage)
    ids = list(trial_ids)
    if ids and isinstance(backend, optuna.storages.RDBStorage):
        try:
            import sqlalchemy
            from optuna.storages._rdb import models
            from optuna.storages._rdb.storage import _create_scoped_session

            H = models.TrialHeartbeatModel
            with _create_scoped_session(backend.scoped_session, True) as session:
                now = session.execute(sqlalchemy.func.now()).scalar_one()
                have = {h.trial_id: h for h in session.query(H).filter(H.trial_id.in_(ids)).with_for_update()}
                for tid in ids:
                    if tid in have:
                        have[tid].heartbeat = now
                    else:
                        session.add(H(trial_id=tid, heartbeat=now))
            return
        except (ImportError, AttributeError, TypeError) as exc:  # pragma: no cover - Optuna internals moved
            _log.debug("one-transaction heartbeat unavailable (%s); trial by trial", exc)
    for tid in ids:
        storage.record_heartbeat(tid)


@dataclass
class TrialEnd:
    """What :func:`finish_trials` writes of one RUNNING trial: its end state, its value(s), its
    per-epoch values and the attributes it gained while it ran."""

    trial_id: int
    state: object                     # optuna.trial.TrialState, finished
    values: list[float] | None
    intermediate: dict = field(default_factory=dict)
    user_attrs: dict = field(default_factory=dict)
    system_attrs: dict = field(default_factory=dict)
    completed: object = None          # datetime; None: now


def finish_trials(storage, ends: list[TrialEnd]) -> list[int]:
    """Write the ends of a round's RUNNING trials in ONE transaction on an RDB storage: the ids of the
    trials it left alone because they had already finished (another process failed them as stale).

    Optuna's public calls commit once per value and attribute, and ``set_trial_state_values`` once
    more per trial: a round of 64 batched trials was about 130 SQLite transactions. On RDBStorage
    this adds the rows of Optuna's own tables (:mod:`optuna.storages._rdb.models`) in batches and sets
    each trial's state as ``set_trial_state_values`` does; on any other storage (or if those models
    move) it is the public calls, trial by trial.
    """
    import optuna

    backend = unwrap(storage)
    if ends and isinstance(backend, optuna.storages.RDBStorage):
        try:
            return _finish_rdb(backend, ends)
        except (ImportError, AttributeError, TypeError) as exc:  # pragma: no cover - Optuna internals moved
            _log.debug("one-transaction finish unavailable (%s); writing value by value", exc)
    skipped = []
    for e in ends:
        try:
            for step, value in e.intermediate.items():
                storage.set_trial_intermediate_value(e.trial_id, int(step), float(value))
            for key, value in e.user_attrs.items():
                storage.set_trial_user_attr(e.trial_id, key, value)
            for key, value in e.system_attrs.items():
                storage.set_trial_system_attr(e.trial_id, key, value)
            storage.set_trial_state_values(e.trial_id, e.state, e.values)
        except optuna.exceptions.UpdateFinishedTrialError:
            skipped.append(e.trial_id)
    return skipped


def _finish_rdb(backend, ends: list[TrialEnd]) -> list[int]:
    import json
    from datetime import datetime

    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session
    from sqlalchemy import insert

    T, V = models.TrialModel, models.TrialIntermediateValueModel
    ids = [e.trial_id for e in ends]
    with _create_scoped_session(backend.scoped_session) as session:
        rows = {r.trial_id: r for r in session.query(T).filter(T.trial_id.in_(ids)).with_for_update()}
        ended = {tid for tid, r in rows.items() if r.state.is_finished()}
        live = [e for e in ends if e.trial_id in rows and e.trial_id not in ended]
        skipped = [e.trial_id for e in ends if e.trial_id not in rows or e.trial_id in ended]
        have_steps = set(session.query(V.trial_id, V.step).filter(V.trial_id.in_(ids)))  # a retried trial's
        attr_models = (models.TrialUserAttributeModel, models.TrialSystemAttributeModel)
        have_keys = {cls: set(session.query(cls.trial_id, cls.key).filter(cls.trial_id.in_(ids)))
                     for cls in attr_models}
        children: dict = {}  # model -> its new rows, inserted with one executemany each

        def add(model, **row):
            children.setdefault(model, []).append(row)

        now = datetime.now()
        for e in live:
            tid = e.trial_id
            for step, value in e.intermediate.items():
                if (tid, int(step)) in have_steps:
                    backend._set_trial_intermediate_value_without_commit(session, tid, int(step), float(value))
                    continue
                stored, kind = V.intermediate_value_to_stored_repr(float(value))
                add(V, trial_id=tid, step=int(step), intermediate_value=stored, intermediate_value_type=kind)
            for cls, attrs in zip(attr_models, (e.user_attrs, e.system_attrs)):
                for key, value in attrs.items():
                    if (tid, key) in have_keys[cls]:
                        backend._set_trial_attr_without_commit(session, cls, tid, key, value)
                    else:
                        add(cls, trial_id=tid, key=key, value_json=json.dumps(value))
            for objective, value in enumerate(e.values or ()):  # a RUNNING trial has none yet
                stored, kind = models.TrialValueModel.value_to_stored_repr(float(value))
                add(models.TrialValueModel, trial_id=tid, objective=objective, value=stored, value_type=kind)
        for model, values in children.items():
            session.execute(insert(model.__table__), values)
        for e in live:
            rows[e.trial_id].state = e.state
            rows[e.trial_id].datetime_complete = e.completed or now
    if skipped:
        _log.warning("trial(s) with id %s had already finished (failed as stale by another process?): "
                     "their results were not written", ", ".join(map(str, skipped)))
    return skipped


def create_trials(storage, study_id: int, templates) -> list[tuple[int, int]]:
    """Add the trials ``templates`` (FrozenTrials, in order: finished ones, or RUNNING ones a round
    starts) to the study in ONE transaction: their ``(trial_id, number)``.

    Optuna's ``create_new_trial(template_trial=...)`` is a transaction per trial, and inside it each
    parameter, attribute and per-epoch value is looked up and flushed on its own: 64 trials x 20
    epochs took 3.4 s on SQLite. On RDBStorage this inserts the rows of Optuna's own tables
    (:mod:`optuna.storages._rdb.models`) as batches, under the same lock on the study as Optuna, and
    numbers them as Optuna does, after the insert (a trial's number is how many of the study's trials
    have a smaller id), so two processes that add trials at once never share a number; elsewhere (or
    if those models move) it is Optuna's public call, trial by trial.
    """
    import json

    import optuna

    backend = unwrap(storage)
    if templates and isinstance(backend, optuna.storages.RDBStorage):
        try:
            from optuna.distributions import distribution_to_json
            from optuna.storages._rdb import models
            from optuna.storages._rdb.storage import _create_scoped_session
            from sqlalchemy import func, insert

            T, V = models.TrialModel, models.TrialIntermediateValueModel
            with _create_scoped_session(backend.scoped_session) as session:
                models.StudyModel.find_or_raise_by_id(study_id, session, for_update=True)  # as Optuna: numbers
                rows = [T(study_id=study_id, number=None, state=t.state, datetime_start=t.datetime_start,
                          datetime_complete=t.datetime_complete) for t in templates]
                session.add_all(rows)
                session.flush()  # the trial ids; from here this transaction holds SQLite's write lock
                first = min(r.trial_id for r in rows)
                base = session.query(func.count(T.trial_id)).filter(
                    T.study_id == study_id, T.trial_id < first).scalar() or 0
                for k, row in enumerate(sorted(rows, key=lambda r: r.trial_id)):
                    row.number = base + k
                children: dict = {}  # model -> its rows, inserted with one executemany each (no ORM objects)

                def add(model, **row):
                    children.setdefault(model, []).append(row)

                for row, t in zip(rows, templates):
                    tid = row.trial_id
                    for objective, value in enumerate(t.values or ()):
                        stored, kind = models.TrialValueModel.value_to_stored_repr(float(value))
                        add(models.TrialValueModel, trial_id=tid, objective=objective, value=stored, value_type=kind)
                    for name, value in t.params.items():
                        dist = t.distributions[name]
                        add(models.TrialParamModel, trial_id=tid, param_name=name,
                            param_value=dist.to_internal_repr(value), distribution_json=distribution_to_json(dist))
                    for cls, attrs in ((models.TrialUserAttributeModel, t.user_attrs),
                                       (models.TrialSystemAttributeModel, t.system_attrs)):
                        for k, v in attrs.items():
                            add(cls, trial_id=tid, key=k, value_json=json.dumps(v))
                    for step, value in t.intermediate_values.items():
                        stored, kind = V.intermediate_value_to_stored_repr(float(value))
                        add(V, trial_id=tid, step=int(step), intermediate_value=stored, intermediate_value_type=kind)
                for model, values in children.items():
                    session.execute(insert(model.__table__), values)
                return [(int(r.trial_id), int(r.number)) for r in rows]
        except (ImportError, AttributeError, TypeError) as exc:  # pragma: no cover - Optuna internals moved
            _log.debug("one-transaction create unavailable (%s); Optuna's create_new_trial", exc)
    out = []
    for t in templates:
        tid = storage.create_new_trial(study_id, template_trial=t)
        out.append((tid, trial_number(storage, tid)))
    return out


def remember_written(storage, study_id: int, trials) -> bool:
    """Put the finished ``trials`` this process has just written (FrozenTrials with their ids and
    numbers) into the cache Optuna keeps in front of an RDB storage, as its next read would give them,
    so that read skips them: reading back 64 trials took 0.1 s, more than writing them.

    Trials of other processes are still read: those the cache has not seen are marked to be read by
    id. Only on SQLite and PostgreSQL, which keep a datetime's microseconds (MySQL's DATETIME drops
    them, so a cached trial would differ from the stored one). False, and nothing changed, where the
    storage has no such cache or its internals moved.
    """
    if not trials or type(storage).__name__ != "_CachedStorage":
        return False
    try:
        import json

        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session
        from optuna.trial import FrozenTrial

        backend = storage._backend
        if backend.engine.dialect.name not in ("sqlite", "postgresql"):
            return False
        with storage._lock:
            info = storage._studies.get(study_id)
            last = None if info is None else info.last_finished_trial_id
        if last is None or not all(t.state.is_finished() for t in trials):
            return False
        T, V, Val = models.TrialModel, models.TrialIntermediateValueModel, models.TrialValueModel
        ours = {t._trial_id for t in trials}
        with _create_scoped_session(backend.scoped_session) as session:
            newer = {tid for (tid,) in session.query(T.trial_id).filter(T.study_id == study_id, T.trial_id > last)}
        if not ours <= newer:  # not all in the storage, or already read: leave the cache alone
            return False

        def stored(t):
            """``t`` as Optuna reads it back (internal and JSON representations round-tripped)."""
            return FrozenTrial(
                number=t.number, state=t.state, value=None,
                values=None if t.values is None else [Val.stored_repr_to_value(*Val.value_to_stored_repr(float(v)))
                                                      for v in t.values],
                datetime_start=t.datetime_start, datetime_complete=t.datetime_complete,
                params={k: t.distributions[k].to_external_repr(t.distributions[k].to_internal_repr(v))
                        for k, v in t.params.items()},
                distributions=dict(t.distributions),
                user_attrs={k: json.loads(json.dumps(v)) for k, v in t.user_attrs.items()},
                system_attrs={k: json.loads(json.dumps(v)) for k, v in t.system_attrs.items()},
                intermediate_values={int(k): V.stored_repr_to_intermediate_value(
                    *V.intermediate_value_to_stored_repr(float(v))) for k, v in t.intermediate_values.items()},
                trial_id=t._trial_id)

        cached = [stored(t) for t in trials]
        with storage._lock:
            if info.last_finished_trial_id != last:  # read meanwhile (another thread): nothing to skip
                return False
            storage._add_trials_to_cache(study_id, cached)
            info.unfinished_trial_ids -= ours
            info.unfinished_trial_ids |= newer - ours   # other processes' trials: read by id next time
            info.last_finished_trial_id = max(last, max(ours))
        return True
    except (ImportError, AttributeError, TypeError) as exc:  # pragma: no cover - Optuna internals moved
        _log.debug("cannot fill Optuna's trial cache (%s); it reads the trials back", exc)
        return False
