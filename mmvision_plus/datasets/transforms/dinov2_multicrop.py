"""DINOv2 multi-crop augmentation: 2 global and N local views of an image."""
from typing import List, Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import RandomApply, RandomFlip, RandomGrayscale
from PIL import Image
from mmpretrain.datasets.transforms import (ColorJitter, GaussianBlur,
                                            MultiView, RandomResizedCrop,
                                            Solarize)

from mmvision_plus.registry import TRANSFORMS


def shift_hue(img: np.ndarray, hue_factor: float) -> np.ndarray:
    """Cyclic hue shift of a BGR uint8 image (torchvision's PIL path).

    ``mmcv.adjust_hue`` (mmcv 2.1.0) adds ``np.uint8(hue_factor * 255)``,
    which numpy >= 2 rejects for negative factors (OverflowError); here the
    shift is taken modulo 256 explicitly, which is what older numpy did.

    Args:
        img: (H, W, 3) uint8 BGR image.
        hue_factor: Shift in [-0.5, 0.5] of the hue circle.

    Returns:
        np.ndarray: The shifted (H, W, 3) uint8 BGR image.
    """
    h, s, v = Image.fromarray(img[..., ::-1], mode='RGB').convert(
        'HSV').split()
    shift = int(hue_factor * 255) % 256
    h = ((np.asarray(h, dtype=np.int64) + shift) % 256).astype(np.uint8)
    out = Image.merge('HSV', (Image.fromarray(h, 'L'), s, v)).convert('RGB')
    return np.asarray(out, dtype=np.uint8)[..., ::-1].copy()


class HueSafeColorJitter(ColorJitter):
    """mmpretrain's ``ColorJitter`` with a numpy-2-safe hue step.

    Same random parameters and random order as mmpretrain's transform; only
    the hue adjustment goes through :func:`shift_hue` instead of
    ``mmcv.adjust_hue`` (see there).
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        order, brightness, contrast, saturation, hue = self._rand_params()
        for index in order:
            if index == 0 and brightness is not None:
                img = mmcv.adjust_brightness(img, brightness,
                                             backend=self.backend)
            elif index == 1 and contrast is not None:
                img = mmcv.adjust_contrast(img, contrast, backend=self.backend)
            elif index == 2 and saturation is not None:
                img = mmcv.adjust_color(img, alpha=saturation,
                                        backend=self.backend)
            elif index == 3 and hue is not None:
                img = shift_hue(img, hue)
        results['img'] = img
        return results


@TRANSFORMS.register_module()
class DINOv2MultiCrop(MultiView):
    """Two global crops and ``num_local_crops`` local crops (DINOv2 recipe).

    Every view is an independent random resized crop (bicubic, area
    ``global_crop_scale`` / ``local_crop_scale`` of the image, aspect ratio
    in [3/4, 4/3]) and horizontal flip (p=0.5), followed by colour jitter
    (brightness 0.4, contrast 0.4, saturation 0.2, hue 0.1, applied with
    ``color_jitter_prob``), grayscale (``grayscale_prob``) and Gaussian blur
    (sigma uniform in [0.1, 2.0]) with probability ``blur_probs[0]`` for the
    first global view, ``blur_probs[1]`` for the second and ``blur_probs[2]``
    for every local view; the second global view is also solarised (threshold
    128) with ``solarize_prob``. The output ``results['img']`` is the list
    ``[global_1, global_2, local_1, ..., local_N]`` of uint8 images, as
    mmpretrain's :class:`MultiView` (which this builds on) produces; pack it
    with ``mmpretrain.PackInputs``.

    The operations are mmpretrain's / mmcv's transforms (the same ones
    mmpretrain's BYOL / MoCo v3 configs use); only their DINOv2 composition is
    defined here. Differences to the official torchvision pipeline: the blur
    is PIL's ``GaussianBlur(radius=sigma)`` (as DINO v1) instead of
    torchvision's 9x9 kernel, and the default blur probabilities are the
    published recipe (1.0 / 0.1 / 0.5). The released DINOv2 code passes
    ``1 - p`` to ``RandomApply`` (facebookresearch/dinov2 PR #411), so the
    official checkpoints were trained with 0.0 / 0.9 / 0.5:
    ``blur_probs=(0.0, 0.9, 0.5)`` reproduces that.

    Args:
        global_crop_size: Side of the global crops. Defaults to 224.
        local_crop_size: Side of the local crops. Defaults to 98.
        num_local_crops: Number of local crops N. Defaults to 8.
        global_crop_scale: Area range of the global crops. Defaults to
            (0.32, 1.0).
        local_crop_scale: Area range of the local crops. Defaults to
            (0.05, 0.32).
        color_jitter_prob: Probability of the colour jitter. Defaults to 0.8.
        grayscale_prob: Probability of the grayscale conversion. Defaults to
            0.2.
        blur_probs: Blur probability of global view 1, global view 2 and the
            local views. Defaults to (1.0, 0.1, 0.5).
        solarize_prob: Solarisation probability of global view 2. Defaults to
            0.2.
    """

    def __init__(self,
                 global_crop_size: int = 224,
                 local_crop_size: int = 98,
                 num_local_crops: int = 8,
                 global_crop_scale: Tuple[float, float] = (0.32, 1.0),
                 local_crop_scale: Tuple[float, float] = (0.05, 0.32),
                 color_jitter_prob: float = 0.8,
                 grayscale_prob: float = 0.2,
                 blur_probs: Sequence[float] = (1.0, 0.1, 0.5),
                 solarize_prob: float = 0.2) -> None:
        if num_local_crops < 0:
            raise ValueError('DINOv2MultiCrop: num_local_crops must be >= 0, '
                             f'got {num_local_crops}')
        if len(blur_probs) != 3:
            raise ValueError('DINOv2MultiCrop: blur_probs needs 3 values '
                             '(global 1, global 2, local), got '
                             f'{tuple(blur_probs)}')
        for name, scale in (('global_crop_scale', global_crop_scale),
                            ('local_crop_scale', local_crop_scale)):
            if not 0 < scale[0] <= scale[1] <= 1:
                raise ValueError(f'DINOv2MultiCrop: {name} must satisfy '
                                 f'0 < min <= max <= 1, got {tuple(scale)}')
        self.global_crop_size = global_crop_size
        self.local_crop_size = local_crop_size
        self.num_local_crops = num_local_crops

        super().__init__(
            transforms=[
                self._view(global_crop_size, global_crop_scale, blur_probs[0],
                           color_jitter_prob, grayscale_prob),
                self._view(global_crop_size, global_crop_scale, blur_probs[1],
                           color_jitter_prob, grayscale_prob, solarize_prob),
                self._view(local_crop_size, local_crop_scale, blur_probs[2],
                           color_jitter_prob, grayscale_prob),
            ],
            num_views=[1, 1, num_local_crops])

    @staticmethod
    def _view(size: int,
              area: Tuple[float, float],
              blur_prob: float,
              color_jitter_prob: float,
              grayscale_prob: float,
              solarize_prob: float = 0.0) -> List:
        """The transforms of one view, as mmpretrain / mmcv instances."""
        steps = [
            RandomResizedCrop(size, crop_ratio_range=area,
                              aspect_ratio_range=(3 / 4, 4 / 3),
                              interpolation='bicubic', backend='pillow'),
            RandomFlip(prob=0.5),
            RandomApply([HueSafeColorJitter(brightness=0.4, contrast=0.4,
                                            saturation=0.2, hue=0.1)],
                        prob=color_jitter_prob),
            # BGR luma weights (images are loaded as BGR)
            RandomGrayscale(prob=grayscale_prob, keep_channels=True,
                            channel_weights=(0.114, 0.587, 0.2989)),
            GaussianBlur(magnitude_range=(0.1, 2.0), magnitude_std='inf',
                         prob=blur_prob),
        ]
        if solarize_prob > 0:
            steps.append(Solarize(thr=128, prob=solarize_prob))
        return steps
