"""ViTDet-style simple feature pyramid for plain ViTs, patch 14 included."""
import math
from typing import List, Optional, Sequence, Tuple

import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """Multi-scale pyramid from the single map of a plain ViT (ViTDet).

    ViTDet (Li et al. 2022) builds strides 4/8/16/32 from a stride-16 ViT map
    with deconvolutions (x4, x2), the identity and a max-pool, then a 1x1 and
    a 3x3 conv per level; extra coarser levels are max-pools (kernel 1,
    stride 2) of the coarsest one.

    A patch-14 backbone (DINOv2) gives a stride-14 map, so the same branches
    would produce strides 3.5/7/14/28/56, which anchor and point generators
    cannot express (they take integer strides and place priors at
    ``i * stride``). The choice made here: the pyramid is **declared** at
    the power-of-two strides in ``strides`` and every level is **resampled**
    (bilinear) to the grid those strides imply, ``ceil(H_in / s) x
    ceil(W_in / s)``, where ``H_in = 14 * h`` is the (padded) input size the
    ``h x w`` backbone map covers. Cell ``i`` of a level then sits at input
    coordinate ``(i + 0.5) * s`` (bilinear with ``align_corners=False`` maps
    centres onto centres), which is exactly where mmdet's prior generators
    put the priors of that level, so boxes, anchors and points stay aligned.
    The input image is not resized: the detector sees it at its own size.

    ::

        input H_in x W_in  (H_in = 14 h, the backbone pads to a multiple)
          |
        DINOv2 ---> map (C, h, w), stride 14
          |
          +-- deconv2-norm-GELU-deconv2 (C/4, 4h)   -> resize ceil(H_in/4)  -> s=4
          +-- deconv2                   (C/2, 2h)   -> resize ceil(H_in/8)  -> s=8
          +-- identity                  (C,   h)    -> resize ceil(H_in/16) -> s=16
          +-- maxpool2                  (C,   h/2)  -> resize ceil(H_in/32) -> s=32
          |        each branch then: 1x1 conv-norm, 3x3 conv-norm -> out_channels
          |
          +-- levels with s > 32: maxpool(k=1, stride 2) of the level s/2
                                   (ceil(n / 2) = ceil(H_in / s) keeps the grid)

    Which levels are built is set by ``strides``: (4, 8, 16, 32, 64) for
    two-stage detectors (ViTDet), (8, 16, 32, 64, 128) for RetinaNet/FCOS.

    Args:
        in_channels (int): Channels C of the backbone map.
        out_channels (int): Channels of every pyramid level.
        strides (Sequence[int]): Increasing powers of two, each >= 4, each
            above 32 twice the previous. Defaults to (8, 16, 32, 64, 128).
        patch_size (int): Stride of the backbone map in input pixels.
            Defaults to 14.
        in_index (int): Which backbone output to read. Defaults to -1.
        norm_cfg (dict): Norm of the convs and of the x4 branch. Defaults to
            ``dict(type='GN', num_groups=32)`` (ViTDet uses a channel
            LayerNorm; GroupNorm needs no extra module and batch size 1
            training works).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 strides: Sequence[int] = (8, 16, 32, 64, 128),
                 patch_size: int = 14,
                 in_index: int = -1,
                 norm_cfg: dict = dict(type='GN', num_groups=32),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        strides = tuple(int(s) for s in strides)
        if not strides or list(strides) != sorted(set(strides)):
            raise ValueError(f'SimpleFPN: strides must be strictly increasing,'
                             f' got {strides}')
        for i, s in enumerate(strides):
            if s < 4 or s & (s - 1):
                raise ValueError(f'SimpleFPN: stride {s} is not a power of '
                                 f'two >= 4 (strides={strides})')
            if s > 32 and (i == 0 or strides[i - 1] != s // 2):
                raise ValueError(
                    f'SimpleFPN: stride {s} > 32 is a max-pool of stride '
                    f'{s // 2}, which must precede it (strides={strides})')
        self.strides = strides
        self.patch_size = patch_size
        self.in_index = in_index
        self.num_outs = len(strides)

        self.branches = nn.ModuleList()
        self.lateral_convs = nn.ModuleList()
        self.fpn_convs = nn.ModuleList()
        for s in strides:
            if s > 32:
                continue
            branch, channels = self._make_branch(in_channels, s, norm_cfg)
            self.branches.append(branch)
            self.lateral_convs.append(
                ConvModule(channels, out_channels, 1, norm_cfg=norm_cfg,
                           act_cfg=None))
            self.fpn_convs.append(
                ConvModule(out_channels, out_channels, 3, padding=1,
                           norm_cfg=norm_cfg, act_cfg=None))

    @staticmethod
    def _make_branch(in_channels: int, stride: int,
                     norm_cfg: dict) -> Tuple[nn.Module, int]:
        """The ViTDet re-scaling op of one level and its output channels."""
        if stride == 4:
            if in_channels % 4:
                raise ValueError('SimpleFPN: stride 4 needs in_channels '
                                 f'divisible by 4, got {in_channels}')
            mid = in_channels // 2
            return nn.Sequential(
                nn.ConvTranspose2d(in_channels, mid, 2, stride=2),
                build_norm_layer(norm_cfg, mid)[1], nn.GELU(),
                nn.ConvTranspose2d(mid, mid // 2, 2, stride=2)), mid // 2
        if stride == 8:
            if in_channels % 2:
                raise ValueError('SimpleFPN: stride 8 needs an even '
                                 f'in_channels, got {in_channels}')
            return nn.ConvTranspose2d(
                in_channels, in_channels // 2, 2,
                stride=2), in_channels // 2
        if stride == 16:
            return nn.Identity(), in_channels
        return nn.MaxPool2d(2, ceil_mode=True), in_channels

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Build the pyramid.

        Args:
            inputs (Sequence[Tensor]): Backbone outputs; ``inputs[in_index]``
                has shape (B, C, h, w) with stride ``patch_size``.

        Returns:
            tuple[Tensor]: One (B, out_channels, ceil(14h / s), ceil(14w / s))
            map per stride s in ``strides``.
        """
        x = inputs[self.in_index]
        if x.dim() != 4:
            raise ValueError('SimpleFPN: expected a (B, C, h, w) backbone '
                             f'map, got shape {tuple(x.shape)}')
        in_h = x.shape[2] * self.patch_size
        in_w = x.shape[3] * self.patch_size
        outs: List[Tensor] = []
        for i, (branch, lateral, fpn) in enumerate(
                zip(self.branches, self.lateral_convs, self.fpn_convs)):
            s = self.strides[i]
            y = branch(x)
            size = (math.ceil(in_h / s), math.ceil(in_w / s))
            if y.shape[2:] != size:
                y = F.interpolate(y, size=size, mode='bilinear',
                                  align_corners=False)
            outs.append(fpn(lateral(y)))
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], kernel_size=1, stride=2))
        return tuple(outs)
