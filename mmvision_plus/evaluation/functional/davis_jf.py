"""Region similarity J and boundary accuracy F of DAVIS
(Perazzi et al., CVPR 2016; ``davis2017-evaluation``'s ``db_eval_iou`` /
``db_eval_boundary``).

* J: intersection over union of the predicted and true masks; 1 when both
  are empty.
* F: F-measure of the boundary pixels: each mask's one-pixel boundary
  (:func:`seg2bmap`) is matched to the other's within
  ``ceil(bound_th * image diagonal)`` pixels (a disk dilation);
  precision = matched predicted boundary / predicted boundary, recall =
  matched true boundary / true boundary; an empty boundary counts as
  precision (or recall) 1 against an empty one and 0 against a non-empty
  one, as the reference code.

Written here because the reference implementation is not a package, and
``trackeval``'s copy (``JAndF``) needs scikit-image for its disk and
re-matches objects by Hungarian assignment, which semi-supervised VOS
does not do (object ``i`` is scored against object ``i``).
"""
import math

import cv2
import numpy as np


def seg2bmap(seg: np.ndarray) -> np.ndarray:
    """One-pixel boundary of a binary mask (DAVIS's ``seg2bmap`` at the
    mask's own size): a pixel is on the boundary when it differs from its
    right, lower or lower-right neighbour.

    Args:
        seg (np.ndarray): (H, W) mask.

    Returns:
        np.ndarray: (H, W) bool boundary map.
    """
    seg = np.asarray(seg).astype(bool)
    east = np.zeros_like(seg)
    south = np.zeros_like(seg)
    south_east = np.zeros_like(seg)
    east[:, :-1] = seg[:, 1:]
    south[:-1, :] = seg[1:, :]
    south_east[:-1, :-1] = seg[1:, 1:]
    bmap = seg ^ east | seg ^ south | seg ^ south_east
    bmap[-1, :] = seg[-1, :] ^ east[-1, :]
    bmap[:, -1] = seg[:, -1] ^ south[:, -1]
    bmap[-1, -1] = False
    return bmap


def disk(radius: int) -> np.ndarray:
    """(2r + 1)^2 uint8 disk ``x^2 + y^2 <= r^2`` (scikit-image's)."""
    grid = np.arange(-radius, radius + 1)
    return (grid[:, None]**2 + grid[None, :]**2 <= radius**2).astype(
        np.uint8)


def region_similarity(pred: np.ndarray, gt: np.ndarray) -> float:
    """J: IoU of two (H, W) masks, 1 when both are empty."""
    pred, gt = np.asarray(pred, bool), np.asarray(gt, bool)
    union = np.logical_or(pred, gt).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(pred, gt).sum() / union)


def boundary_f(pred: np.ndarray, gt: np.ndarray,
               bound_th: float = 0.008) -> float:
    """F: boundary F-measure of two (H, W) masks.

    Args:
        pred (np.ndarray): Predicted mask.
        gt (np.ndarray): True mask.
        bound_th (float): Tolerance: a fraction of the image diagonal if
            < 1, else pixels. Default 0.008 (DAVIS).

    Returns:
        float: F in [0, 1].
    """
    pred, gt = np.asarray(pred, bool), np.asarray(gt, bool)
    bound_pix = bound_th if bound_th >= 1 else math.ceil(
        bound_th * np.linalg.norm(pred.shape))
    pred_boundary = seg2bmap(pred)
    gt_boundary = seg2bmap(gt)
    kernel = disk(int(bound_pix))
    pred_dil = cv2.dilate(pred_boundary.astype(np.uint8), kernel) > 0
    gt_dil = cv2.dilate(gt_boundary.astype(np.uint8), kernel) > 0
    n_pred, n_gt = pred_boundary.sum(), gt_boundary.sum()
    if n_pred == 0 and n_gt > 0:
        precision, recall = 1.0, 0.0
    elif n_pred > 0 and n_gt == 0:
        precision, recall = 0.0, 1.0
    elif n_pred == 0 and n_gt == 0:
        precision, recall = 1.0, 1.0
    else:
        precision = (pred_boundary & gt_dil).sum() / n_pred
        recall = (gt_boundary & pred_dil).sum() / n_gt
    if precision + recall == 0:
        return 0.0
    return float(2 * precision * recall / (precision + recall))
