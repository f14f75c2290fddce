"""Loading and packing of dense targets: semantic maps and depth maps."""
from typing import Optional, Sequence

import mmcv
import numpy as np
import pycocotools.mask as mask_utils
import torch
from mmcv.transforms import BaseTransform
from mmengine.fileio import get
from mmengine.structures import BaseDataElement, PixelData

from mmvision_plus.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RasterizeCocoSemSeg(BaseTransform):
    """Paint ``seg_instances`` (from :class:`CocoSemSegDataset`) into a map.

    The map has the original image size (``height`` x ``width`` of the
    record), background 0, each instance's ``label`` painted in
    annotation order (later instances over earlier ones where they overlap)
    and crowd regions set to ``ignore_index``. Polygons, uncompressed and
    compressed RLE are accepted. Put it after any image resize: the map
    stays at the original size and the model resizes its prediction to it.

    Required keys: ``seg_instances``, ``height``, ``width``.
    Added keys: ``gt_seg_map`` (H, W) uint8 (int64 past 255 classes).

    Args:
        ignore_index (int): Label of crowd regions. Defaults to 255.
    """

    def __init__(self, ignore_index: int = 255) -> None:
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        h, w = int(results['height']), int(results['width'])
        instances = results['seg_instances']
        top = max([inst['label'] for inst in instances] + [self.ignore_index])
        seg = np.zeros((h, w), dtype=np.uint8 if top < 256 else np.int64)
        for inst in instances:
            segm = inst['segmentation']
            if isinstance(segm, list):
                rle = mask_utils.merge(mask_utils.frPyObjects(segm, h, w))
            elif isinstance(segm.get('counts'), list):
                rle = mask_utils.frPyObjects(segm, h, w)
            else:
                rle = segm
            mask = mask_utils.decode(rle).astype(bool)
            if mask.shape != (h, w):
                raise ValueError(
                    f"RasterizeCocoSemSeg: a mask of {results.get('img_path')}"
                    f' decodes to {mask.shape}, the image record says '
                    f'{(h, w)}')
            seg[mask] = self.ignore_index if inst['iscrowd'] else \
                inst['label']
        results['gt_seg_map'] = seg
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(ignore_index={self.ignore_index})'


@TRANSFORMS.register_module()
class LoadDepthMap(BaseTransform):
    """Load a depth PNG as float32 metres.

    Required keys: ``depth_path``; ``depth_scale`` (stored value per metre)
    unless given here.
    Added keys: ``gt_depth_map`` (H, W) float32, 0 where depth is missing.

    Args:
        depth_scale (float, optional): Overrides the record's
            ``depth_scale``.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 depth_scale: Optional[float] = None,
                 backend_args: Optional[dict] = None) -> None:
        self.depth_scale = depth_scale
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        path = results['depth_path']
        depth = mmcv.imfrombytes(
            get(path, backend_args=self.backend_args), flag='unchanged')
        if depth is None or depth.ndim != 2:
            raise ValueError(f'LoadDepthMap: {path} is not a single-channel '
                             'depth image')
        scale = self.depth_scale or results.get('depth_scale')
        if not scale:
            raise KeyError(f'LoadDepthMap: no depth_scale for {path}')
        results['gt_depth_map'] = depth.astype(np.float32) / float(scale)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(depth_scale={self.depth_scale})'


@TRANSFORMS.register_module()
class PackDenseInputs(BaseTransform):
    """Pack an image and its dense targets for :class:`FrozenFeatureDenseModel`.

    Returns ``inputs`` (3, H, W) uint8 tensor and ``data_samples``, a
    :class:`BaseDataElement` with the ``meta_keys`` found as metainfo,
    ``gt_sem_seg`` (PixelData, data (1, H, W) int64) when ``gt_seg_map`` is
    present and ``gt_depth`` (PixelData, data (1, H, W) float32) when
    ``gt_depth_map`` is.

    Args:
        meta_keys (Sequence[str]): Keys copied into the metainfo.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_path', 'ori_shape',
                                             'img_shape', 'scale_factor')
                 ) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = img[..., None]
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0,
                                                                     1)))
        sample = BaseDataElement(metainfo={
            k: results[k]
            for k in self.meta_keys if k in results
        })
        if 'gt_seg_map' in results:
            sample.gt_sem_seg = PixelData(data=torch.from_numpy(
                results['gt_seg_map'].astype(np.int64))[None])
        if 'gt_depth_map' in results:
            sample.gt_depth = PixelData(data=torch.from_numpy(
                results['gt_depth_map'].astype(np.float32))[None])
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
