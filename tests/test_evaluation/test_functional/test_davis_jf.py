"""J (region IoU) and F (boundary F-measure, DAVIS definition) against
masks computed by hand."""
import numpy as np
import pytest

from mmvision_plus.evaluation.functional import (boundary_f,
                                                 region_similarity, seg2bmap)
from mmvision_plus.evaluation.functional.davis_jf import disk


def square(size, y0, x0, side):
    mask = np.zeros((size, size), bool)
    mask[y0:y0 + side, x0:x0 + side] = True
    return mask


def test_region_similarity_by_hand():
    gt = square(10, 2, 2, 4)  # 16 pixels
    pred = square(10, 2, 4, 4)  # 16 pixels, 8 shared
    assert region_similarity(pred, gt) == pytest.approx(8 / 24)
    assert region_similarity(gt, gt) == 1.0
    empty = np.zeros((10, 10), bool)
    assert region_similarity(empty, empty) == 1.0
    assert region_similarity(empty, gt) == 0.0


def test_boundary_map_is_the_davis_one():
    # a 3 x 3 square at rows / columns 1..3 of a 6 x 6 image; a pixel is on
    # the boundary when it differs from its right, lower or lower-right
    # neighbour (so the outline sits half a pixel towards the origin)
    mask = square(6, 1, 1, 3)
    expected = np.zeros((6, 6), bool)
    expected[0, 0:4] = True  # above the square (and its corner)
    expected[1:4, 0] = True  # left of it
    expected[1:4, 3] = True  # its right column
    expected[3, 1:3] = True  # its bottom row
    assert np.array_equal(seg2bmap(mask), expected)
    assert disk(1).tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]


def test_boundary_f_by_hand():
    gt = square(100, 20, 20, 40)
    assert boundary_f(gt, gt) == 1.0
    # tolerance: ceil(0.008 * diag) = ceil(1.13) = 2 px; a 1 px shift is
    # within it, a 10 px one is not (but the two shared sides still match)
    assert boundary_f(square(100, 20, 21, 40), gt) == 1.0
    far = boundary_f(square(100, 20, 30, 40), gt)
    assert 0 < far < 1
    # hand count for the 10 px shift: boundaries are the square outlines
    # (plus DAVIS's half-pixel offset); only the top and bottom rows
    # overlap within 2 px
    pred_b, gt_b = seg2bmap(square(100, 20, 30, 40)), seg2bmap(gt)
    from scipy.ndimage import binary_dilation
    pred_d = binary_dilation(pred_b, disk(2))
    gt_d = binary_dilation(gt_b, disk(2))
    precision = (pred_b & gt_d).sum() / pred_b.sum()
    recall = (gt_b & pred_d).sum() / gt_b.sum()
    assert far == pytest.approx(2 * precision * recall /
                                (precision + recall))
    # disjoint far apart: F = 0; empty cases as DAVIS
    assert boundary_f(square(100, 70, 70, 10), square(100, 0, 0, 10)) == 0.
    empty = np.zeros((100, 100), bool)
    assert boundary_f(empty, empty) == 1.0
    assert boundary_f(empty, gt) == 0.0
    assert boundary_f(gt, empty) == 0.0
