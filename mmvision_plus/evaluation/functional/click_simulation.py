"""Simulated clicks for interactive segmentation (the NoC protocol of
Xu et al. 2016 / RITM): each new click goes to the centre of the largest
error region of the current prediction, positive if the region is missed
object (false negative), negative if it is spurious (false positive).

The centre is the region's pixel farthest from the region's border (and
from the image border), by a distance transform, as the usual protocol.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np


def next_click(pred: np.ndarray,
               gt: np.ndarray) -> Optional[Tuple[Tuple[int, int], bool]]:
    """The next simulated click.

    Args:
        pred (np.ndarray): (H, W) current predicted mask (all False
            before the first click).
        gt (np.ndarray): (H, W) true mask.

    Returns:
        tuple | None: ``((x, y), positive)``; None when the prediction is
        perfect.
    """
    pred, gt = np.asarray(pred, bool), np.asarray(gt, bool)
    best = None  # (area, component mask, positive)
    for error, positive in ((gt & ~pred, True), (pred & ~gt, False)):
        if not error.any():
            continue
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            error.astype(np.uint8), connectivity=8)
        k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        area = int(stats[k, cv2.CC_STAT_AREA])
        if best is None or area > best[0]:
            best = (area, labels == k, positive)
    if best is None:
        return None
    _, region, positive = best
    padded = np.pad(region, 1).astype(np.uint8)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(distance)), distance.shape)
    return (int(x), int(y)), positive


def mask_iou(pred: np.ndarray, gt: np.ndarray) -> float:
    """IoU of two (H, W) masks (1 when both are empty)."""
    pred, gt = np.asarray(pred, bool), np.asarray(gt, bool)
    union = np.logical_or(pred, gt).sum()
    return 1.0 if union == 0 else float(np.logical_and(pred, gt).sum() /
                                        union)


def number_of_clicks(ious: Sequence[float], iou_thr: float) -> int:
    """NoC: the clicks needed to reach ``iou_thr`` (IoU after click k is
    ``ious[k - 1]``); ``len(ious)`` (the budget) when never reached."""
    for k, iou in enumerate(ious, start=1):
        if iou >= iou_thr:
            return k
    return len(ious)
