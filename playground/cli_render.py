"""``optimizer-playground render SCENE_OR_SESSION --out FILE.png|FILE.svg``: a page, or one part of it, offscreen.

The file is read as ``gui`` and File > Open read it (:func:`playground.documents.read_document`): a
bundled scene's name, a scene file, or a session file. A scene holds one page; a session holds
several and shows its current one, which ``--page`` can change. ``--part`` takes one named part of the
page, the names of :data:`playground.scripting.PARTS` (``Playground.grab``'s). Each page kind's render
module (``PageKind.renderer``'s) provides ``offscreen_page``, ``run_page`` and ``page_image``.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

FORMATS = (".png", ".svg")

EPILOG = """\
sizes: --size is the size of the image: a PNG is exactly WxH pixels (device pixel ratio 1), an SVG's
  width and height are W and H. A whole page is laid out at that size; with --part the part is laid
  out alone at that size (a panel that needs more room gets its minimum size and is cut at WxH).
svg: an SVG holds the plots of one part, as vectors, at their places in the part (pyqtgraph's
  SVGExporter); the Qt widgets around them (labels, buttons) are not in it. --out FILE.svg therefore
  needs --part NAME of a part with a plot, and names those parts when it is missing or has none:
  on the optimizer page surface and curves, on the training page decision, confusion, curves and
  histograms.
sessions: the session's current page is drawn unless --page KIND picks another page it holds; its
  theme is used unless --theme is given. For a scene, --page must be the scene's own page.
"""


def register(sub) -> None:
    from playground.pages import PAGE_KINDS
    from widgets.theme import THEMES

    kinds = ", ".join(pk.kind for pk in PAGE_KINDS)
    p = sub.add_parser("render", help="render a scene's or a session's page, or one part, to PNG or SVG, offscreen",
                       description="Run a scene or a session's page offscreen (N steps or N epochs) and save\n"
                                   "the page, or one named part of it, as an exactly WxH PNG or as an SVG.",
                       epilog=parts_help() + EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", metavar="SCENE_OR_SESSION",
                   help="a bundled scene's name, a scene .toml file, or a session .toml file")
    p.add_argument("--out", required=True, metavar="FILE.png|FILE.svg", help="where to write the picture")
    p.add_argument("--page", default=None, metavar="KIND",
                   help=f"the page to draw ({kinds}; default: the scene's, or the session's current page)")
    p.add_argument("--part", default=None, metavar="NAME",
                   help="one named part of the page instead of the whole page (a bad name lists the page's parts)")
    run_length = p.add_mutually_exclusive_group()
    run_length.add_argument("--steps", type=int, default=None, metavar="N",
                            help="optimizer page: steps to race (default: the scene's); training page: "
                                 "stop after N optimizer steps")
    run_length.add_argument("--epochs", type=int, default=None, metavar="N",
                            help="training page: epochs to train (default: the scene's)")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="image size in pixels (default 1280x720)")
    p.add_argument("--theme", choices=tuple(THEMES), default=None,
                   help="colour theme (default: the scene's or session's, else light)")
    p.set_defaults(func=run)


#: The offscreen platform's warning on every window shown; it means nothing for a render.
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def quiet_offscreen_noise() -> None:
    """Drop exactly :data:`OFFSCREEN_NOISE` from Qt's messages; every other message still reaches stderr."""
    from PySide6.QtCore import qFormatLogMessage, qInstallMessageHandler

    previous = None

    def handler(mode, context, message):
        if message == OFFSCREEN_NOISE:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(mode, context, message) + "\n")

    previous = qInstallMessageHandler(handler)


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> (1280, 720); ValueError on anything else."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text or "")
    if not m:
        raise ValueError(f"--size must look like 1280x720, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (64 <= w <= 7680 and 64 <= h <= 4320):
        raise ValueError(f"--size must be between 64x64 and 7680x4320, got {text!r}")
    return w, h


# -- what to draw -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PageSource:
    """One page of a scene or session file, ready to build.

    Attributes
    ----------
    kind : str
        The page kind.
    scene : dict
        The page's scene: the scene file's, or the session page's ``scene`` table.
    state : dict or None
        A session's whole table for the page (``model.set_state``); None for a scene.
    theme : str or None
        The file's theme.
    source : str
        The file (or bundled name) it came from.
    """

    kind: str
    scene: dict
    state: dict | None
    theme: str | None
    source: str


def page_source(name_or_path: str, page: str | None = None) -> PageSource:
    """The page ``page`` (default: the scene's, or the session's current one) of a scene or session file.

    Raises
    ------
    ValueError
        Unknown page kind; a scene of another kind than ``page``; a session without ``page``; and
        whatever :func:`playground.documents.read_document` refuses (one line naming the file).
    """
    from playground.documents import read_document
    from playground.pages import page_kind

    if page is not None:
        try:
            page_kind(page)
        except ValueError as exc:
            raise ValueError(f"--page {page}: {str(exc).replace(repr('page') + ' ', '', 1)}") from None
    doc = read_document(str(name_or_path))
    if doc.kind == "session":
        pages = doc.data["pages"]
        kind = page or doc.data.get("page") or next(iter(pages))
        if kind not in pages:
            raise ValueError(f"--page {kind}: the session {doc.source} has no {kind} page "
                             f"(its pages: {', '.join(pages)})")
        state = pages[kind]
        return PageSource(kind, state["scene"], state, doc.data.get("theme"), doc.source)
    kind = doc.data["page"]
    if page is not None and page != kind:
        raise ValueError(f"--page {page}: {doc.source} is a scene of the {kind} page; a scene holds one page "
                         "(leave out --page, or give a session file)")
    return PageSource(kind, doc.data, None, doc.data.get("theme"), doc.source)


def parts_help() -> str:
    """The ``parts:`` paragraph of ``render --help``, from the scripting API's table."""
    import textwrap

    from playground.scripting import PARTS

    text = "parts: " + "; ".join(f"the {kind} page's {', '.join(names)}" for kind, names in PARTS.items()) + "."
    return textwrap.fill(text, 100, subsequent_indent="  ") + "\n"


def part_names(kind: str) -> dict:
    """``{part name: page attribute}`` of page ``kind`` (the scripting API's table)."""
    from playground.scripting import PARTS

    return PARTS.get(kind, {})


def check_part(kind: str, part: str) -> str:
    """The page attribute of ``part`` (ValueError naming the page's parts)."""
    names = part_names(kind)
    if part not in names:
        listed = ", ".join(names) or "none"
        raise ValueError(f"--part {part}: the {kind} page has no such part; its parts: {listed}")
    return names[part]


def check_out(out: str) -> str:
    """The extension of ``out`` (.png or .svg), checked before anything is computed."""
    path = Path(out)
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise ValueError(f"--out must end in .png or .svg, got {str(out)!r}")
    if path.is_dir():
        raise ValueError(f"--out {out}: is a folder, not a file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"--out {out}: the folder {folder} does not exist")
    return ext


def renderer(kind: str):
    """The ``render_scene`` function of page kind ``kind``, from the page registry."""
    from playground.pages import page_kind

    try:
        return page_kind(kind).render_function()
    except ValueError as exc:
        raise ValueError(f"cannot render {kind!r} scenes: {exc}") from None


def render_module(kind: str):
    """The module of ``kind``'s renderer: ``offscreen_page``, ``run_page`` and ``page_image`` beside
    ``render_scene``."""
    return importlib.import_module(renderer(kind).__module__)


# -- parts and SVG ------------------------------------------------------------------------------
def plot_views(widget) -> list:
    """The pyqtgraph views shown in ``widget`` (itself, or its visible descendants), outermost only."""
    import pyqtgraph as pg

    if isinstance(widget, pg.GraphicsView):
        return [widget]
    views = [v for v in widget.findChildren(pg.GraphicsView) if v.isVisibleTo(widget)]
    return [v for v in views if not any(o is not v and o.isAncestorOf(v) for o in views)]


def svg_parts(page, kind: str) -> list[str]:
    """The parts of ``page`` that have a plot, so export as SVG."""
    return [name for name, attr in part_names(kind).items() if plot_views(getattr(page, attr))]


@contextlib.contextmanager
def laid_out_alone(widget, size: tuple[int, int]):
    """``widget`` taken out of its page and laid out alone at ``size``; put back under the page after.

    The page owns it again afterwards (not in its layout: the page is about to be deleted), so it is
    deleted with the page and the page's shutdown still finds it.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont, QPalette
    from PySide6.QtWidgets import QApplication, QScrollArea

    # Alone, it would fall back to the application's palette and font (the dark theme's labels and
    # combo boxes came out light, white text on them unreadable): give it the page's, as inherited.
    own_palette, own_font = widget.testAttribute(Qt.WA_SetPalette), widget.testAttribute(Qt.WA_SetFont)
    inherited_palette, inherited_font = widget.palette(), widget.font()
    parent = widget.parentWidget()
    scroll = parent.parentWidget() if parent is not None else None
    if isinstance(scroll, QScrollArea) and scroll.widget() is widget:
        scroll.takeWidget()  # else the scroll area sizes it back to its viewport on every resize
    else:
        scroll = None
    widget.setParent(None)
    inherited_palette.setResolveMask(0xFFFFFFFFFFFFFFFF)  # every role set here, none from the application
    widget.setPalette(inherited_palette)
    inherited_font.setResolveMask(0xFFFFFFFF)
    widget.setFont(inherited_font)
    widget.setAttribute(Qt.WA_DontShowOnScreen, True)
    # A part whose layout needs more than WxH gets its minimum size and the picture is cut at WxH
    # (squeezed under it, the racer panel's rows overlap).
    hint = widget.minimumSizeHint()
    widget.resize(max(size[0], hint.width()), max(size[1], hint.height()))
    widget.show()
    if widget.layout() is not None:
        widget.layout().activate()
    for _ in range(3):
        QApplication.processEvents()
    try:
        yield widget
    finally:
        widget.hide()
        if scroll is not None:
            scroll.setWidget(widget)
        else:
            widget.setParent(parent)
        if not own_palette:
            widget.setPalette(QPalette())  # inherit the page's again (a theme switch reaches it)
        if not own_font:
            widget.setFont(QFont())


def widget_image(widget, background: str, size: tuple[int, int] | None = None):
    """``widget`` drawn into a QImage of ``size`` (default: its own; device pixel ratio 1)."""
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QWidget

    w, h = size or (widget.width(), widget.height())
    image = QImage(int(w), int(h), QImage.Format_ARGB32)
    image.setDevicePixelRatio(1.0)
    image.fill(QColor(background))
    QWidget.render(widget, image)  # QWidget's own: pyqtgraph's views replace render() (docs/traps.md)
    return image


SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def _prefix_ids(root, prefix: str) -> None:
    """Give every ``id`` in ``root`` a prefix, and its references too (two plots' exports share ids)."""
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    if not ids:
        return
    ref = re.compile(r"#(" + "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)) + r")\b")
    for el in root.iter():
        for key, value in el.attrib.items():
            if key == "id":
                el.set(key, prefix + value)
            elif "#" in value:
                el.set(key, ref.sub(lambda m: "#" + prefix + m.group(1), value))


def widget_svg(widget, background: str) -> str:
    """The plots of ``widget`` as one SVG document of the widget's size, each plot at its place.

    Each view goes through pyqtgraph's ``SVGExporter`` (its whole scene); its content is moved into a
    group translated to the view's place (a group, not a nested ``<svg>``: SVG Tiny, which Qt's own
    renderer reads, has none).

    Raises
    ------
    ValueError
        ``widget`` shows no plot.
    """
    import xml.etree.ElementTree as ET

    from pyqtgraph.exporters import SVGExporter
    from PySide6.QtCore import QPoint

    views = plot_views(widget)
    if not views:
        raise ValueError("this part has no plot to export as SVG")
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    w, h = widget.width(), widget.height()
    root = ET.Element(f"{{{SVG_NS}}}svg", {"version": "1.2", "baseProfile": "tiny", "width": str(w),
                                          "height": str(h), "viewBox": f"0 0 {w} {h}"})
    ET.SubElement(root, f"{{{SVG_NS}}}title").text = "Optimizer Playground"
    ET.SubElement(root, f"{{{SVG_NS}}}rect", {"width": str(w), "height": str(h), "fill": background})
    for i, view in enumerate(views):
        sub = ET.fromstring(SVGExporter(view.scene()).export(toBytes=True))
        _prefix_ids(sub, f"p{i}_")
        at = view.mapTo(widget, QPoint(0, 0))
        vw, vh = (float(v) for v in sub.get("viewBox", f"0 0 {view.width()} {view.height()}").split()[2:])
        transform = f"translate({at.x()},{at.y()})"
        if (vw, vh) != (view.width(), view.height()) and vw > 0 and vh > 0:
            transform += f" scale({view.width() / vw:.6g},{view.height() / vh:.6g})"
        group = ET.SubElement(root, f"{{{SVG_NS}}}g", {"transform": transform})
        for child in sub:
            tag = child.tag.rpartition("}")[2]
            if tag in ("title", "desc", "style"):
                continue
            if tag == "rect" and child.get("width") == "100%":  # the view's background: its own size
                child.set("width", str(view.width()))
                child.set("height", str(view.height()))
            group.append(child)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# -- rendering ------------------------------------------------------------------------------------
def render_page(src: PageSource, out: str, size: tuple[int, int] = (1280, 720), theme: str | None = None,
                steps: int | None = None, epochs: int | None = None, part: str | None = None) -> Path:
    """Render ``src``'s page (or its part ``part``) to ``out`` (.png or .svg); needs a QApplication.

    Parameters
    ----------
    src : PageSource
        From :func:`page_source`.
    out : str
        The file to write; its extension picks the format.
    size : (int, int)
        The image's size: the page's, or with ``part`` the part's, laid out alone at that size.
    theme : str, optional
        Default: the file's theme, else light.
    steps, epochs : int, optional
        The run's length (default: the page's settings); see each page's ``run_page``.
    part : str, optional
        A name of :data:`playground.scripting.PARTS` for the page.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ValueError
        Bad input (one line): extension, part, an SVG of a part without a plot, a negative length,
        ``epochs`` on the optimizer page.
    """
    ext = check_out(out)
    for name, value in (("--steps", steps), ("--epochs", epochs)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    attr = check_part(src.kind, part) if part is not None else None
    if src.kind == "optimizer" and epochs is not None:
        raise ValueError("--epochs is for the training page; the optimizer page runs --steps N")
    module = render_module(src.kind)
    from widgets.theme import get_theme

    theme = theme or src.theme or "light"
    background = get_theme(theme).background
    kwargs = {"state": src.state} if src.state is not None else {"scene": src.scene}
    with module.offscreen_page(size=size, theme=theme, **kwargs) as page:
        if ext == ".svg" and (attr is None or not plot_views(getattr(page, attr))):
            listed = ", ".join(svg_parts(page, src.kind))
            if attr is None:
                raise ValueError(f"--out {out}: an SVG holds the plots of one part; add --part with one of: {listed}")
            raise ValueError(f"--part {part} has no plot to export as SVG; the {src.kind} page's parts "
                             f"with plots: {listed}")
        module.run_page(page, steps=steps, epochs=epochs)
        if attr is None:
            image = module.page_image(page, size)
        else:
            with laid_out_alone(getattr(page, attr), size) as widget:
                if ext == ".svg":
                    text = widget_svg(widget, background)
                else:
                    image = widget_image(widget, background, size)
        if ext == ".svg":
            try:
                Path(out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise ValueError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
            return Path(out)
    if (image.width(), image.height()) != tuple(size):
        raise RuntimeError(f"rendered {image.width()}x{image.height()}, expected {size[0]}x{size[1]}")
    if not image.save(str(out), "PNG"):
        raise ValueError(f"--out {out}: cannot write")
    return Path(out)


def run(args) -> int:
    size = parse_size(args.size)
    check_out(args.out)
    src = page_source(args.scene, args.page)  # ValueError names the bundled scenes, the file, the page
    if args.part is not None:
        check_part(src.kind, args.part)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed
    from playground.app import make_app

    quiet_offscreen_noise()
    make_app()  # every page needs a QApplication
    try:
        out = render_page(src, args.out, size, args.theme, steps=args.steps, epochs=args.epochs, part=args.part)
    finally:
        close_app()
    print(out)
    return 0


def close_app() -> None:
    """Delete every widget before the interpreter exits (a crash at exit otherwise: docs/traps.md)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for w in QApplication.topLevelWidgets():
        w.close()
        w.deleteLater()
    app.sendPostedEvents(None, QEvent.DeferredDelete)
    app.processEvents()
