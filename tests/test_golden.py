"""playground.golden: images to RGBA arrays, the comparison and its limits, and the side-by-side picture."""
from __future__ import annotations

import numpy as np
import pytest

from playground import golden as g

BLUE = (0, 114, 178)


def trail(qapp, dx: float = 0.0, colour=BLUE, size=(160, 120)):
    """An antialiased 3-px polyline, like an optimizer's trail, on white; ``dx`` shifts it right."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    img = QImage(size[0], size[1], QImage.Format_ARGB32)
    img.fill(Qt.white)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(QPen(QColor(*colour), 3))
    pts = [QPointF(15 + dx + 25 * i, 100 - 70 * np.exp(-0.5 * i)) for i in range(6)]
    p.drawPolyline(pts)
    p.end()
    return img


# ----------------------------------------------------------------------------- comparing

def test_identical_images_pass(qapp):
    c = g.compare(trail(qapp), trail(qapp))
    assert c.passed and bool(c)
    assert (c.differing, c.max_diff, c.mean_diff) == (0, 0, 0.0)
    assert c.result_size == c.golden_size == (160, 120)


def test_a_trail_shifted_by_one_pixel_fails(qapp):
    c = g.compare(trail(qapp, dx=1), trail(qapp))
    assert not c.passed
    assert c.differing > 20  # the whole trail's leading and trailing edges
    assert "differ by more than 8/255 (allowed 0)" in c.summary()


def test_a_changed_colour_fails_and_a_tiny_one_within_the_threshold_passes(qapp):
    changed = g.compare(trail(qapp, colour=(0, 114, 200)), trail(qapp))  # blue channel +22
    assert not changed.passed and changed.differing > 100
    tiny = g.compare(trail(qapp, colour=(0, 114, 182)), trail(qapp))  # +4 at most
    assert tiny.passed and tiny.differing == 0 and 0 < tiny.max_diff <= 8


def test_a_darker_pixel_counts_like_a_brighter_one():
    # A signed per-pixel maximum (one reference's habit) misses a pixel that only got darker.
    a = np.full((10, 10, 3), 200, np.uint8)
    b = a.copy()
    b[3, 4] = (100, 200, 200)
    assert g.compare(b, a).differing == 1
    assert g.compare(a, b).differing == 1


def test_a_mask_hides_a_difference(qapp):
    result, expected = g.to_rgba(trail(qapp)), g.to_rgba(trail(qapp))
    result[5:15, 100:130] = (255, 0, 0, 255)  # a "timing readout" that changes every run
    assert not g.compare(result, expected).passed
    c = g.compare(result, expected, masks=[(100, 5, 30, 10)])
    assert c.passed and c.compared == 160 * 120 - 300
    # A mask one pixel short leaves a column of the difference exposed.
    short = g.compare(result, expected, masks=[(100, 5, 29, 10)])
    assert not short.passed and short.differing == 10


def test_loosened_tolerance_passes_at_its_limit_and_not_below(qapp):
    shifted, expected = trail(qapp, dx=1), trail(qapp)
    n = g.compare(shifted, expected).differing
    assert g.compare(shifted, expected, max_pixels=n).passed
    assert not g.compare(shifted, expected, max_pixels=n - 1).passed
    assert g.compare(shifted, expected, threshold=255).passed  # nothing exceeds 255


def test_max_mean_limits_the_mean_difference():
    a = np.zeros((10, 10, 4), np.uint8)
    a[..., 3] = 255
    b = a.copy()
    b[..., :3] = 6  # every pixel differs by 6 in three channels: mean 4.5 over four channels
    c = g.compare(b, a, threshold=8)
    assert c.passed and c.mean_diff == pytest.approx(4.5)
    assert not g.compare(b, a, threshold=8, max_mean=4.0).passed
    assert g.compare(b, a, threshold=8, max_mean=5.0).passed


def test_a_size_mismatch_fails_with_both_sizes():
    c = g.compare(np.zeros((720, 1280, 3), np.uint8), np.zeros((721, 1280, 3), np.uint8))
    assert not c.passed and c.size_mismatch
    assert c.summary() == "size differs: result is 1280x720, golden is 1280x721"


@pytest.mark.parametrize("kwargs, field", [
    (dict(threshold=256), "threshold"), (dict(threshold=-1), "threshold"), (dict(threshold=2.5), "threshold"),
    (dict(max_pixels=-1), "max_pixels"), (dict(max_mean=-0.1), "max_mean"), (dict(max_mean="1"), "max_mean"),
])
def test_bad_tolerances_name_the_field_and_range(kwargs, field):
    with pytest.raises(ValueError, match=field):
        g.Tolerance(**kwargs)


def test_tolerance_from_a_dict_refuses_unknown_keys():
    assert g.Tolerance.coerce(None) == g.Tolerance(threshold=8, max_pixels=0, max_mean=None)
    assert g.Tolerance.coerce({"max_pixels": 5}).max_pixels == 5
    with pytest.raises(ValueError, match="unknown tolerance key.*'pixels'.*allowed: max_mean, max_pixels, threshold"):
        g.Tolerance.coerce({"pixels": 5})


@pytest.mark.parametrize("rect", [(0, 0, -1, 5), (1, 2, 3), "abc"])
def test_bad_masks_are_refused(rect):
    a = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="mask"):
        g.compare(a, a, masks=[rect])


# ----------------------------------------------------------------------------- images to arrays

def test_qimage_channels_come_out_in_rgba_order(qapp):
    from PySide6.QtGui import QColor, QImage

    img = QImage(3, 2, QImage.Format_ARGB32)
    img.fill(QColor(10, 20, 30))
    img.setPixelColor(1, 0, QColor(255, 0, 0))
    a = g.to_rgba(img)
    assert a.shape == (2, 3, 4) and a.dtype == np.uint8
    assert a[0, 1].tolist() == [255, 0, 0, 255]
    assert a[1, 2].tolist() == [10, 20, 30, 255]


def test_an_image_wider_than_its_rows_are_aligned_is_read_without_padding(qapp):
    from PySide6.QtGui import QColor, QImage

    img = QImage(5, 3, QImage.Format_RGB888)  # 15 bytes a row, padded to 16
    img.fill(QColor(1, 2, 3))
    img.setPixelColor(4, 2, QColor(200, 100, 50))
    a = g.to_rgba(img)
    assert a.shape == (3, 5, 4) and a[2, 4].tolist() == [200, 100, 50, 255] and a[0, 0].tolist() == [1, 2, 3, 255]


def test_a_widget_is_rendered_at_its_size_and_device_pixel_ratio_1(qtbot):
    from PySide6.QtWidgets import QLabel

    label = QLabel("golden")
    qtbot.addWidget(label)
    label.setStyleSheet("background: rgb(250, 240, 10); color: black;")
    label.resize(120, 40)
    label.show()
    qtbot.waitExposed(label)
    a = g.to_rgba(label)
    assert a.shape == (40, 120, 4)
    assert a[2, 2].tolist() == [250, 240, 10, 255]
    assert (a[..., :3].sum(axis=2) < 100).any()  # the text's dark pixels


def test_a_hidpi_image_is_refused_with_what_to_do(qapp):
    from PySide6.QtGui import QImage

    img = QImage(20, 20, QImage.Format_ARGB32)
    img.setDevicePixelRatio(2)
    with pytest.raises(ValueError, match="device pixel ratio 2.*pass the widget"):
        g.to_rgba(img)


def test_arrays_grey_rgb_and_float_become_rgba():
    grey = g.to_rgba(np.array([[0, 128]], np.uint8))
    assert grey.tolist() == [[[0, 0, 0, 255], [128, 128, 128, 255]]]
    assert g.to_rgba(np.array([[[0.0, 0.5, 1.0]]])).tolist() == [[[0, 128, 255, 255]]]
    with pytest.raises(ValueError, match="uint8 or float"):
        g.to_rgba(np.zeros((2, 2, 3), np.int32))
    with pytest.raises(ValueError, match="from 0 to 1"):
        g.to_rgba(np.full((2, 2, 3), 2.0))
    with pytest.raises(ValueError, match="shape"):
        g.to_rgba(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match="cannot compare a str"):
        g.to_rgba("image.png")


def test_png_round_trip_is_exact_and_the_bytes_are_reproducible(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (30, 40, 4), dtype=np.uint8)
    g.write_png(a, tmp_path / "a.png")
    g.write_png(a, tmp_path / "b.png")
    assert np.array_equal(g.read_png(tmp_path / "a.png"), a)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


# ----------------------------------------------------------------------------- the side-by-side picture

def test_side_by_side_marks_the_differing_pixels_in_magenta(qapp):
    result, expected = g.to_rgba(trail(qapp, dx=1, size=(400, 120))), g.to_rgba(trail(qapp, size=(400, 120)))
    pic = g.side_by_side(result, expected)
    assert pic.dtype == np.uint8 and pic.ndim == 3 and pic.shape[2] == 3
    h, w = expected.shape[:2]
    gap = (pic.shape[1] - 3 * w) // 4
    label_h = pic.shape[0] - h - gap // 2
    panels = [pic[label_h: label_h + h, gap + i * (w + gap): gap + i * (w + gap) + w] for i in range(3)]
    assert np.array_equal(panels[0], result[..., :3]) and np.array_equal(panels[1], expected[..., :3])
    magenta = np.all(panels[2] == g.DIFF_COLOUR, axis=2)
    over = g.channel_difference(result, expected) > 8
    assert np.all(magenta[over])  # every differing pixel is magenta...
    frame_free = magenta.copy()
    frame_free[over] = False
    # ...and the only other magenta is the dashed frame, outside the differing pixels' bounding box.
    ys, xs = np.nonzero(over)
    inside = frame_free[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    assert not inside.any()
    assert frame_free.any()


def test_side_by_side_of_identical_images_has_no_magenta(qapp):
    pic = g.side_by_side(trail(qapp), trail(qapp))
    assert not np.all(pic == g.DIFF_COLOUR, axis=2).any()


def test_side_by_side_tints_masks_and_handles_a_size_mismatch():
    a = np.full((40, 60, 3), 255, np.uint8)
    b = np.full((50, 60, 3), 255, np.uint8)
    pic = g.side_by_side(a, b)
    assert np.all(pic == g.DIFF_COLOUR, axis=2).sum() >= 10 * 60  # the rows only the golden image has
    tint = np.rint(0.55 * 255 + 0.45 * np.array(g.MASK_COLOUR)).astype(np.uint8)  # over the pale white
    masked = g.side_by_side(a, a, masks=[(0, 0, 20, 20)])
    assert np.all(masked == tint, axis=2).sum() == (20 * 4) ** 2  # the 60-px image is shown x4
    assert not np.all(g.side_by_side(a, a) == tint, axis=2).any()


def test_side_by_side_enlarges_a_small_image_and_keeps_its_labels_apart():
    a = np.full((30, 30, 3), 255, np.uint8)
    b = a.copy()
    b[10, 12] = (0, 0, 0)
    pic = g.side_by_side(b, a)
    assert pic.shape[1] > 3 * 240  # each panel at least 240 px wide (x8 here), labels included
    magenta = np.all(pic == g.DIFF_COLOUR, axis=2)
    # The one differing pixel shows as an 8 x 8 block (plus the dashed frame around it).
    assert any(magenta[y: y + 8, x: x + 8].all() for y in range(pic.shape[0] - 8) for x in range(pic.shape[1] - 8))
