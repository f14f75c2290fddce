"""MeanIoUMetric and DepthMetric on hand-computed cases."""
import math

import numpy as np
import pytest
import torch

from mmvision_plus.evaluation.metrics import (DepthMetric, MeanIoUMetric,
                                              depth_errors,
                                              intersect_and_union)


def _seg_sample(pred, gt):
    return dict(pred_sem_seg=dict(data=torch.tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.tensor(gt)[None]))


def test_intersect_and_union_hand_case():
    pred = torch.tensor([[0, 0, 1], [1, 2, 2]])
    gt = torch.tensor([[0, 1, 1], [1, 2, 255]])
    areas = intersect_and_union(pred, gt, num_classes=3, ignore_index=255)
    # Ignored pixel (1, 2) dropped. class 0: I 1, pred 2, gt 1 -> U 2;
    # class 1: I 2, pred 2, gt 3 -> U 3; class 2: I 1, pred 1, gt 1 -> U 1.
    assert areas.tolist() == [[1, 2, 1], [2, 3, 1], [2, 2, 1], [1, 3, 1]]


def test_miou_metric_dataset_level():
    metric = MeanIoUMetric(ignore_index=255)
    metric.dataset_meta = dict(classes=('background', 'a', 'b', 'c'))
    # Image 1: class 1 half right; image 2: class 2 all right. Class 3
    # never appears (no IoU, excluded from the mean).
    metric.process({}, [
        _seg_sample([[0, 1], [1, 1]], [[0, 1], [0, 0]]),
        _seg_sample([[2, 2], [0, 255]], [[2, 2], [0, 0]]),
    ])
    res = metric.evaluate(2)
    # Totals: class 0: gt 5 px (0,0),(1,0),(1,1) img1 + (1,0),(1,1) img2;
    # pred 0 at (0,0) img1, (1,0) img2 -> I 2, U 5 (pred 255 counts for no
    # class). class 1: I 1, pred 3, gt 1 -> U 3. class 2: I 2, U 2.
    assert res['IoU.background'] == pytest.approx(2 / 5 * 100)
    assert res['IoU.a'] == pytest.approx(1 / 3 * 100)
    assert res['IoU.b'] == pytest.approx(100.)
    assert math.isnan(res['IoU.c'])
    assert res['mIoU'] == pytest.approx((40 + 100 / 3 + 100) / 3)
    assert res['aAcc'] == pytest.approx(5 / 8 * 100)


def test_miou_metric_errors():
    metric = MeanIoUMetric(num_classes=2)
    with pytest.raises(ValueError, match='labels outside'):
        metric.process({}, [_seg_sample([[0]], [[5]])])
    with pytest.raises(KeyError, match='pred_sem_seg'):
        metric.process({}, [dict(gt_sem_seg=dict(data=torch.zeros(1, 1,
                                                                  1)))])


def test_depth_errors_hand_case():
    pred = torch.tensor([1., 2., 4.])
    gt = torch.tensor([1., 1., 5.])
    err = depth_errors(pred, gt)
    assert err['abs_rel'] == pytest.approx((0 + 1 + 0.2) / 3)
    assert err['sq_rel'] == pytest.approx((0 + 1 + 0.2) / 3)
    assert err['rmse'] == pytest.approx(math.sqrt((0 + 1 + 1) / 3))
    assert err['rmse_log'] == pytest.approx(
        math.sqrt((math.log(2)**2 + math.log(0.8)**2) / 3))
    assert err['log10'] == pytest.approx(
        (abs(math.log10(2)) + abs(math.log10(0.8))) / 3)
    # ratios 1, 2, 1.25 -> only the first is < 1.25; < 1.5625: 1 and 1.25.
    assert err['delta1'] == pytest.approx(1 / 3)
    assert err['delta2'] == pytest.approx(2 / 3)
    assert err['delta3'] == pytest.approx(2 / 3)


def test_depth_metric_mask_clamp_crop_and_mean():
    metric = DepthMetric(min_depth=0.5, max_depth=4.)
    # Image 1: the 0 (missing) and 9 m (beyond max) pixels are invalid;
    # the prediction 6 is clamped to 4.
    gt1 = torch.tensor([[[1., 0.], [2., 9.]]])
    pred1 = torch.tensor([[[1., 3.], [6., 1.]]])
    # Image 2: perfect.
    gt2 = torch.full((1, 2, 2), 3.)
    metric.process({}, [
        dict(pred_depth=dict(data=pred1), gt_depth=dict(data=gt1)),
        dict(pred_depth=dict(data=gt2.clone()), gt_depth=dict(data=gt2)),
    ])
    res = metric.evaluate(2)
    # Image 1 valid pixels: (1 vs 1), (4 vs 2): abs_rel (0 + 1) / 2,
    # rmse sqrt(4 / 2); image 2: 0. Averages over the 2 images.
    assert res['abs_rel'] == pytest.approx(0.25)
    assert res['rmse'] == pytest.approx(math.sqrt(2) / 2)
    assert res['delta1'] == pytest.approx((0.5 + 1) / 2)

    cropped = DepthMetric(min_depth=0.5, max_depth=4., crop=(0, 1, 0, 2))
    cropped.process({}, [dict(pred_depth=dict(data=pred1),
                              gt_depth=dict(data=gt1))])
    assert cropped.evaluate(1)['rmse'] == pytest.approx(0.)  # only (0, 0)


def test_depth_metric_errors():
    with pytest.raises(ValueError, match='min_depth'):
        DepthMetric(min_depth=2., max_depth=1.)
    metric = DepthMetric()
    with pytest.raises(ValueError, match='differ'):
        metric.process({}, [dict(pred_depth=dict(data=torch.ones(1, 2, 2)),
                                 gt_depth=dict(data=torch.ones(1, 3, 3)))])
    metric.process({}, [dict(pred_depth=dict(data=torch.ones(1, 2, 2)),
                             gt_depth=dict(data=torch.zeros(1, 2, 2)))])
    with pytest.raises(ValueError, match='no image had a valid'):
        metric.evaluate(1)
