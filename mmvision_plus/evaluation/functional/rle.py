"""COCO-style segmentations (polygons, uncompressed or compressed RLE) of
video annotations as compressed RLE / masks (pycocotools)."""
from typing import Union

import numpy as np
import pycocotools.mask as mask_utils


def segmentation_to_rle(segmentation: Union[list, dict], height: int,
                        width: int) -> dict:
    """Compressed RLE of a polygon list, an uncompressed RLE (``counts`` a
    list, YouTube-VIS) or a compressed RLE.

    Raises:
        ValueError: Not a COCO segmentation.
    """
    if isinstance(segmentation, list):
        return mask_utils.merge(
            mask_utils.frPyObjects(segmentation, height, width))
    if isinstance(segmentation, dict) and 'counts' in segmentation:
        if isinstance(segmentation['counts'], list):
            return mask_utils.frPyObjects(segmentation, height, width)
        return segmentation
    raise ValueError('not a COCO segmentation (polygons or RLE): '
                     f'{type(segmentation).__name__}')


def segmentation_to_mask(segmentation: Union[list, dict], height: int,
                         width: int) -> np.ndarray:
    """(height, width) bool mask of a COCO segmentation."""
    return mask_utils.decode(
        segmentation_to_rle(segmentation, height, width)).astype(bool)
