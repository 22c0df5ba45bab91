"""The pytest plugin for course authors: golden-image tests and a scripted Playground.

Registered through the ``pytest11`` entry point ``optimizer_playground``, so an author who installed the
app needs no conftest. It provides:

- the ``golden`` fixture: ``golden(image_or_widget, name, tolerance=None, masks=())`` compares with
  ``NAME.png`` in a ``golden/`` folder beside the test file (ini option ``golden_dir`` moves it);
  ``--golden-update`` or ``PLAYGROUND_GOLDEN_UPDATE=1`` writes or re-approves the files;
- the ``playground`` fixture: a :class:`playground.scripting.Playground` on pytest-qt's ``qtbot``, closed
  at teardown; the test fails if it left a thread, timer or child process behind
  (``@pytest.mark.playground(size=..., theme=...)`` passes arguments to it). It starts from first-run
  settings: ``OPTIMIZER_PLAYGROUND_HOME`` is a new temporary folder for each test.

Nothing of the app is imported until a fixture runs: the plugin is loaded into every pytest run of an
environment that has the app installed.
"""
from __future__ import annotations

import logging
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

log = logging.getLogger(__name__)

#: Environment variable that turns on ``--golden-update``.
UPDATE_ENV = "PLAYGROUND_GOLDEN_UPDATE"
#: The ``golden/`` folder beside each test file, unless the ini option ``golden_dir`` says otherwise.
DEFAULT_FOLDER = "golden"

_NAME = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")


@dataclass(frozen=True)
class GoldenEvent:
    """One golden file written or one mismatch, for the terminal summary."""

    nodeid: str
    name: str
    path: Path     # the golden file
    detail: str    # the comparison's summary, or "written" / "unchanged"
    picture: Path | None = None  # the side-by-side PNG of a mismatch


_MISMATCHES = pytest.StashKey[list]()
_WRITTEN = pytest.StashKey[list]()


# ----------------------------------------------------------------------------- set-up

def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("optimizer_playground", "Optimizer Playground golden images")
    group.addoption("--golden-update", action="store_true", default=False,
                    help=f"write or re-approve golden images instead of comparing them (or set {UPDATE_ENV}=1)")
    parser.addini("golden_dir", default="",
                  help="folder of golden images, relative to the ini file "
                       f"(default: a '{DEFAULT_FOLDER}/' folder beside each test file)")


def pytest_configure(config: pytest.Config) -> None:
    # Without a display a QApplication aborts the whole run; an author's own setting wins.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    config.addinivalue_line("markers", "playground(**kwargs): arguments for the playground fixture's Playground")
    config.stash[_MISMATCHES] = []
    config.stash[_WRITTEN] = []


def update_requested(config: pytest.Config) -> bool:
    """True with ``--golden-update`` or ``PLAYGROUND_GOLDEN_UPDATE=1`` (also true/yes)."""
    env = os.environ.get(UPDATE_ENV, "").strip().lower()
    return bool(config.getoption("golden_update")) or env in ("1", "true", "yes")


def golden_folder(config: pytest.Config, test_path: Path) -> Path:
    """Where the golden files of the test file ``test_path`` live."""
    configured = (config.getini("golden_dir") or "").strip()
    if not configured:
        return Path(test_path).parent / DEFAULT_FOLDER
    base = config.inipath.parent if config.inipath else config.rootpath
    return (base / configured).resolve()


def update_command(request: pytest.FixtureRequest) -> str:
    """The command, run from where pytest was started, that writes this test's golden files."""
    node = request.node
    file_part, sep, rest = node.nodeid.partition("::")
    try:
        file_part = os.path.relpath(node.path, request.config.invocation_params.dir)
    except ValueError:  # another drive on Windows
        file_part = str(node.path)
    return f"pytest {shlex.quote(file_part + sep + rest)} --golden-update"


# ----------------------------------------------------------------------------- the golden fixture

class Golden:
    """The callable the ``golden`` fixture returns; see :meth:`__call__`."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path):
        self._request = request
        self._tmp_path = tmp_path
        self.folder = golden_folder(request.config, request.node.path)

    def path(self, name: str) -> Path:
        """The golden file of ``name`` (a '/' makes sub-folders; a trailing '.png' is optional)."""
        if not isinstance(name, str):
            raise ValueError(f"golden name must be a string, got {type(name).__name__}")
        name = name[:-4] if name.lower().endswith(".png") else name
        if not _NAME.fullmatch(name) or any(part in (".", "..") for part in name.split("/")):
            raise ValueError(f"golden name must be letters, digits, '_', '-', '.' and '/' between parts, got {name!r}")
        return self.folder / f"{name}.png"

    def __call__(self, image_or_widget, name: str, tolerance=None, masks=()):
        """Compare an image with the golden file ``NAME.png``, or write it in update mode.

        Parameters
        ----------
        image_or_widget : QImage, QPixmap, QWidget or numpy.ndarray
            What :func:`playground.golden.to_rgba` accepts (a widget is rendered at device pixel ratio 1).
        name : str
            The golden file's name without '.png'.
        tolerance : dict, playground.golden.Tolerance or None
            ``threshold`` (0..255, default 8), ``max_pixels`` (default 0) and ``max_mean`` (default None).
        masks : iterable of (x, y, w, h)
            Rectangles not compared.

        Returns
        -------
        playground.golden.Comparison or None
            The comparison (None when a file was written). A mismatch or a missing file fails the test.
        """
        from playground import golden as g

        path = self.path(name)
        tol = g.Tolerance.coerce(tolerance)
        masks = list(masks)
        result = g.to_rgba(image_or_widget)
        config = self._request.config
        nodeid = self._request.node.nodeid
        if update_requested(config):
            return self._write(result, path, name, nodeid, tol, masks)
        if not path.exists():
            seen = self._tmp_path / f"{_flat(name)}-result.png"
            g.write_png(result, seen)
            pytest.fail(f"golden image {path} does not exist.\n"
                        f"  Look at the result: {seen}\n"
                        f"  Create it with: {update_command(self._request)}", pytrace=False)
        expected = g.read_png(path)
        cmp = g.compare(result, expected, threshold=tol.threshold, max_pixels=tol.max_pixels,
                        max_mean=tol.max_mean, masks=masks)
        if cmp.passed:
            return cmp
        picture = self._tmp_path / f"{_flat(name)}-mismatch.png"
        g.write_png(g.side_by_side(result, expected, threshold=tol.threshold, masks=masks), picture)
        config.stash[_MISMATCHES].append(GoldenEvent(nodeid, name, path, cmp.summary(), picture))
        pytest.fail(f"golden image {name!r} does not match {path}: {cmp.summary()}\n"
                    f"  Side by side (result | golden | difference): {picture}\n"
                    f"  If the new image is right, approve it with: {update_command(self._request)}",
                    pytrace=False)

    def _write(self, result, path, name, nodeid, tol, masks):
        from playground import golden as g

        if path.exists():
            try:
                same = g.compare(result, g.read_png(path), threshold=0).passed
            except (OSError, ValueError) as exc:  # an unreadable old file is simply replaced
                log.info("golden file %s unreadable (%s); replacing it", path, exc)
                same = False
            if same:
                self._request.config.stash[_WRITTEN].append(GoldenEvent(nodeid, name, path, "unchanged"))
                return None
        path.parent.mkdir(parents=True, exist_ok=True)
        g.write_png(result, path)
        print(f"golden: wrote {path}")
        self._request.config.stash[_WRITTEN].append(GoldenEvent(nodeid, name, path, "written"))
        return None


def _flat(name: str) -> str:
    return name.replace("/", "-")


@pytest.fixture
def golden(request: pytest.FixtureRequest, tmp_path: Path) -> Golden:
    """Compare an image or widget with ``golden/NAME.png``: ``golden(image, "NAME", tolerance=None, masks=())``."""
    return Golden(request, tmp_path)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    mismatches = config.stash.get(_MISMATCHES, [])
    written = config.stash.get(_WRITTEN, [])
    if written:
        changed = [e for e in written if e.detail == "written"]
        terminalreporter.section("golden images", green=True)
        for e in changed:
            terminalreporter.write_line(f"wrote {e.path}  ({e.nodeid})")
        if len(changed) < len(written):
            terminalreporter.write_line(f"{len(written) - len(changed)} golden image(s) unchanged")
    if mismatches:
        terminalreporter.section("golden image mismatches", red=True)
        for e in mismatches:
            terminalreporter.write_line(f"{e.nodeid}: {e.name}: {e.detail}")
            terminalreporter.write_line(f"    side by side: {e.picture}")
        terminalreporter.write_line(f"approve them all: pytest --golden-update (or {UPDATE_ENV}=1), "
                                    "after looking at each picture")


# ----------------------------------------------------------------------------- the playground fixture

@pytest.fixture
def playground(request: pytest.FixtureRequest):
    """A :class:`playground.scripting.Playground`, closed at teardown; fails the test on leftovers.

    The app's home folder (``OPTIMIZER_PLAYGROUND_HOME``: settings, log) is new for each test, so nothing
    the desktop app remembered changes a picture.

    ``@pytest.mark.playground(size=(1920, 1080), theme="dark")`` passes keyword arguments to it.
    """
    try:
        from playground.scripting import Playground
    except ImportError as exc:
        if exc.name != "playground.scripting":
            raise  # the module exists but something it imports is broken: an error, not a skip
        pytest.skip(f"the playground fixture needs playground.scripting.Playground, which this install "
                    f"does not have ({exc})")
    from playground.home import HOME_ENV
    from playground.leak_watch import LeakWatch

    try:
        request.getfixturevalue("qtbot")  # pytest-qt's QApplication, and its capture of Qt exceptions
    except pytest.FixtureLookupError:
        pytest.fail("the playground fixture needs pytest-qt: pip install pytest-qt", pytrace=False)
    marker = request.node.get_closest_marker("playground")
    kwargs = dict(marker.kwargs) if marker else {}
    # The app's home (settings.ini, the log) is a new folder for each test: a training speed the desktop
    # app remembered showed in the run bar, so a golden picture differed between a laptop and CI.
    home = request.getfixturevalue("tmp_path") / "playground-home"
    request.getfixturevalue("monkeypatch").setenv(HOME_ENV, str(home))
    with LeakWatch() as watch:
        with Playground(**kwargs) as pg:
            yield pg
        leaks = watch.leaks()
    if leaks:
        pytest.fail("the playground left behind: " + "; ".join(leaks), pytrace=False)
