"""Simulated clicks: at the centre of the largest error region, positive
on missed object, negative on spurious mask; NoC."""
import numpy as np

from mmvision_plus.evaluation.functional import (mask_iou, next_click,
                                                 number_of_clicks)


def test_first_click_at_the_object_centre():
    gt = np.zeros((20, 30), bool)
    gt[5:16, 10:21] = True  # 11 x 11, centre (y, x) = (10, 15)
    (x, y), positive = next_click(np.zeros_like(gt), gt)
    assert positive and (x, y) == (15, 10)


def test_the_largest_error_region_decides_the_sign():
    gt = np.zeros((30, 30), bool)
    gt[0:10, 0:10] = True
    pred = gt.copy()
    pred[20:30, 0:30] = True  # 300 px false positive
    pred[0:2, 0:2] = False  # 4 px false negative
    (x, y), positive = next_click(pred, gt)
    assert not positive and y >= 20
    # its centre: farthest from the region's border (and the image's)
    assert 24 <= y <= 25 and 4 <= x <= 25  # 5 px from every border
    fn_larger = gt.copy()
    fn_larger[0:10, 0:6] = False  # 60 px missed
    fn_larger[25, 25] = True  # 1 px spurious
    (x, y), positive = next_click(fn_larger, gt)
    assert positive and gt[y, x] and x < 6
    assert next_click(gt, gt) is None


def test_noc_and_iou():
    assert number_of_clicks([0.5, 0.86, 0.9], 0.85) == 2
    assert number_of_clicks([0.5, 0.6], 0.85) == 2  # the budget
    assert number_of_clicks([0.95], 0.9) == 1
    a = np.zeros((4, 4), bool)
    a[:2] = True
    b = np.zeros((4, 4), bool)
    b[:, :2] = True
    assert mask_iou(a, b) == 4 / 12
    assert mask_iou(~np.ones((2, 2), bool), ~np.ones((2, 2), bool)) == 1.0
