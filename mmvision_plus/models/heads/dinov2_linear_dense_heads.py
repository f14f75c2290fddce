"""Linear dense heads on frozen DINOv2 patch tokens (segmentation, depth).

Both follow the official DINOv2 linear evaluations (``BNHead``): the patch
tokens of one or several blocks, reshaped to maps, optionally with the class
token broadcast to every position and concatenated, optionally upsampled
(bilinear), then BatchNorm and a 1x1 convolution. Everything after the
backbone is linear per pixel except the depth head's bin normalisation.
"""
import math
from abc import abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.structures import BaseDataElement, PixelData
from torch import Tensor, nn

from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range

#: One backbone block: patch-token map (B, C, h, w) and class token (B, C).
BlockFeature = Tuple[Tensor, Tensor]


def resize_to_image(x: Tensor, input_hw: Tuple[int, int],
                    img_shape: Tuple[int, int],
                    out_shape: Tuple[int, int]) -> Tensor:
    """Map a prediction over the padded batch input onto one image.

    The prediction grid covers the whole (padded) network input; the image
    occupies its top-left ``img_shape`` part (pipeline resize, then bottom /
    right padding by the data preprocessor and the model).

    Args:
        x (Tensor): Prediction of one image, shape (1, K, h', w').
        input_hw (tuple[int, int]): Padded network input size (H, W).
        img_shape (tuple[int, int]): Image size inside it (after resize).
        out_shape (tuple[int, int]): Wanted output size, e.g. the
            ground-truth or original image size.

    Returns:
        Tensor: Shape (1, K, *out_shape).
    """
    x = F.interpolate(x, size=tuple(input_hw), mode='bilinear',
                      align_corners=False)
    x = x[..., :img_shape[0], :img_shape[1]]
    if tuple(x.shape[-2:]) != tuple(out_shape):
        x = F.interpolate(x, size=tuple(out_shape), mode='bilinear',
                          align_corners=False)
    return x


class DINOv2LinearDenseHead(BaseModule):
    """Shared part: concat block maps (+ cls), upsample, BN, 1x1 conv; and
    the training / inference flow of a subclass: its map
    (:meth:`dense_prediction`) resized onto every image (see
    :func:`resize_to_image`), to the ground truth ``gt_field`` for
    :meth:`pixel_loss` and to ``ori_shape`` for :meth:`add_prediction`.

    Args:
        in_channels (int): Channels C of each block's tokens.
        out_channels (int): Channels of the 1x1 conv output.
        num_inputs (int): Number of blocks given. Defaults to 1.
        with_cls_token (bool): Concatenate the class token to every patch
            token (doubling the channels). Defaults to False.
        upsample (int): Bilinear upsampling factor of the token maps before
            the BN and conv. Defaults to 1.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_inputs: int = 1,
                 with_cls_token: bool = False,
                 upsample: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        owner = type(self).__name__
        self.in_channels = in_channels
        self.num_inputs = check_range(num_inputs, owner, 'num_inputs', 1)
        self.with_cls_token = with_cls_token
        self.upsample = check_range(upsample, owner, 'upsample', 1)
        channels = in_channels * num_inputs * (2 if with_cls_token else 1)
        self.bn = nn.BatchNorm2d(channels)
        self.conv = nn.Conv2d(channels, out_channels, kernel_size=1)

    def forward(self, feats: Sequence[BlockFeature]) -> Tensor:
        """Linear per-pixel map of the block features.

        Args:
            feats (Sequence[tuple[Tensor, Tensor]]): ``num_inputs`` pairs of
                a patch-token map (B, C, h, w) and a class token (B, C).

        Returns:
            Tensor: Shape (B, out_channels, h * upsample, w * upsample).
        """
        if len(feats) != self.num_inputs:
            raise ValueError(f'{type(self).__name__}: expected '
                             f'{self.num_inputs} block features, got '
                             f'{len(feats)}')
        maps = []
        for fmap, cls_token in feats:
            if fmap.dim() != 4 or fmap.shape[1] != self.in_channels:
                raise ValueError(
                    f'{type(self).__name__}: block map must be (B, '
                    f'{self.in_channels}, h, w), got {tuple(fmap.shape)}')
            if self.with_cls_token:
                fmap = torch.cat(
                    [fmap, cls_token[:, :, None, None].expand_as(fmap)], 1)
            maps.append(fmap)
        size = tuple(s * self.upsample for s in maps[0].shape[2:])
        maps = [
            m if tuple(m.shape[2:]) == size else F.interpolate(
                m, size=size, mode='bilinear', align_corners=False)
            for m in maps
        ]
        return self.conv(self.bn(torch.cat(maps, 1)))

    # -- what a task head defines -------------------------------------------
    #: Data-sample field (PixelData, data (1, H, W)) :meth:`loss` reads;
    #: set by each task head.
    gt_field: str

    def dense_prediction(self, feats: Sequence[BlockFeature]) -> Tensor:
        """The per-pixel map resized onto the images, (B, K, h', w');
        the 1x1 conv output unless a subclass post-processes it."""
        return self(feats)

    @abstractmethod
    def pixel_loss(self, pred: Tensor, gt: Tensor) -> Dict[str, Tensor]:
        """Loss dict of all pixels of a batch: the prediction (P, K) and
        the ``gt_field`` values (P, ) at the ground-truth resolution."""

    @abstractmethod
    def add_prediction(self, sample: BaseDataElement, pred: Tensor) -> None:
        """Store one image's prediction (K, H, W) at ``ori_shape`` in its
        sample."""

    # -- shared flow ------------------------------------------------------
    def loss(self, feats: Sequence[BlockFeature],
             data_samples: List[BaseDataElement],
             input_hw: Tuple[int, int]) -> Dict[str, Tensor]:
        """:meth:`pixel_loss` over all pixels of the batch.

        Args:
            feats (Sequence[tuple[Tensor, Tensor]]): Block features.
            data_samples (list[BaseDataElement]): With ``gt_field``
                (PixelData, data (1, H, W)) and ``img_shape``.
            input_hw (tuple[int, int]): Padded network input size.

        Returns:
            dict[str, Tensor]: The task's loss.
        """
        maps = self.dense_prediction(feats)
        preds, gts = [], []
        for i, sample in enumerate(data_samples):
            gt = getattr(sample, self.gt_field).data
            pred = resize_to_image(maps[i:i + 1], input_hw, sample.img_shape,
                                   gt.shape[-2:])
            preds.append(pred.permute(0, 2, 3, 1).reshape(-1, maps.shape[1]))
            gts.append(gt.reshape(-1))
        return self.pixel_loss(torch.cat(preds), torch.cat(gts))

    def predict(self, feats: Sequence[BlockFeature],
                data_samples: List[BaseDataElement],
                input_hw: Tuple[int, int]) -> List[BaseDataElement]:
        """:meth:`add_prediction` of every sample at its ``ori_shape``.

        Args:
            feats (Sequence[tuple[Tensor, Tensor]]): Block features.
            data_samples (list[BaseDataElement]): With ``img_shape`` and
                ``ori_shape``.
            input_hw (tuple[int, int]): Padded network input size.

        Returns:
            list[BaseDataElement]: ``data_samples``, predictions added.
        """
        maps = self.dense_prediction(feats)
        for i, sample in enumerate(data_samples):
            self.add_prediction(
                sample,
                resize_to_image(maps[i:i + 1], input_hw, sample.img_shape,
                                sample.ori_shape)[0])
        return data_samples


@MODELS.register_module()
class DINOv2LinearSegHead(DINOv2LinearDenseHead):
    """Linear semantic segmentation head (DINOv2 "linear" / "+ms" eval).

    Logits are predicted per patch, bilinearly upsampled to the image and
    trained with per-pixel cross-entropy.

    Args:
        num_classes (int): Classes, background included.
        in_channels (int): Channels C of each block's tokens.
        num_inputs (int): Number of blocks given. Defaults to 1.
        with_cls_token (bool): See :class:`DINOv2LinearDenseHead`. The
            official segmentation head uses patch tokens only. Defaults to
            False.
        upsample (int): See :class:`DINOv2LinearDenseHead`. Defaults to 1.
        ignore_index (int): Label ignored by loss and metric. Defaults to
            255.
        loss_weight (float): Cross-entropy weight. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config. Defaults to a
            normal(0, 0.01) 1x1 conv, as mmseg's ``conv_seg``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_inputs: int = 1,
                 with_cls_token: bool = False,
                 upsample: int = 1,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', std=0.01, layer='Conv2d')) -> None:
        super().__init__(in_channels, num_classes, num_inputs,
                         with_cls_token, upsample, init_cfg)
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight

    gt_field = 'gt_sem_seg'

    def pixel_loss(self, pred: Tensor, gt: Tensor) -> Dict[str, Tensor]:
        """``loss_seg``: cross-entropy of the logits (P, K) over the
        labelled pixels (``gt`` (P, ) class indices); 0 (in the graph) when
        every pixel is ``ignore_index``."""
        labels = gt.long()
        if (labels != self.ignore_index).any():
            loss = F.cross_entropy(pred, labels,
                                   ignore_index=self.ignore_index)
        else:
            loss = pred.sum() * 0.
        return dict(loss_seg=self.loss_weight * loss)

    def add_prediction(self, sample: BaseDataElement, pred: Tensor) -> None:
        """Per-pixel class: ``seg_logits`` (PixelData, data (K, H, W)) and
        ``pred_sem_seg`` (PixelData, data (1, H, W) long), (H, W) =
        ``ori_shape``."""
        sample.seg_logits = PixelData(data=pred)
        sample.pred_sem_seg = PixelData(data=pred.argmax(0, keepdim=True))


@MODELS.register_module()
class DINOv2LinearDepthHead(DINOv2LinearDenseHead):
    """Linear monocular depth head, as DINOv2's "lin. 1" / "lin. 4" eval.

    The official head (``BNHead`` with ``classify=True``): token maps of 1
    or 4 blocks, each with the class token concatenated, upsampled x4, BN,
    a 1x1 conv to 256 logits over depth bins spread uniformly over
    [min_depth, max_depth], normalised "linearly" (``relu(l) + 0.1``, divided
    by its sum), and the depth is the probability-weighted mean of the bin
    centres. The depth map is bilinearly resized to the ground truth. The
    regression alternative (``classify=False``) predicts
    ``relu(conv) + min_depth`` directly.

    Args:
        in_channels (int): Channels C of each block's tokens.
        num_inputs (int): Number of blocks given. Defaults to 1.
        with_cls_token (bool): Concatenate the class token. Defaults to True.
        upsample (int): Feature upsampling factor. Defaults to 4.
        classify (bool): Bins classification (True) or regression.
            Defaults to True.
        n_bins (int): Number of bins. Defaults to 256.
        bins_strategy (str): ``'UD'`` uniform or ``'SID'`` log-uniform
            (spacing-increasing) bin centres. Defaults to ``'UD'``.
        norm_strategy (str): ``'linear'``, ``'softmax'`` or ``'sigmoid'``.
            Defaults to ``'linear'``.
        min_depth (float): Smallest depth (m). Defaults to 1e-3.
        max_depth (float): Largest depth (m). Defaults to 10.
        loss (dict): Loss config, called as ``loss(pred, gt, valid_mask)``
            over pixels with ``min_depth < gt <= max_depth``. Defaults to
            :class:`SiLogLoss`.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_inputs: int = 1,
                 with_cls_token: bool = True,
                 upsample: int = 4,
                 classify: bool = True,
                 n_bins: int = 256,
                 bins_strategy: str = 'UD',
                 norm_strategy: str = 'linear',
                 min_depth: float = 1e-3,
                 max_depth: float = 10.,
                 loss: dict = dict(type='SiLogLoss'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, n_bins if classify else 1, num_inputs,
                         with_cls_token, upsample, init_cfg)
        if bins_strategy not in ('UD', 'SID'):
            raise ValueError("DINOv2LinearDepthHead: bins_strategy must be "
                             f"'UD' or 'SID', got {bins_strategy!r}")
        if norm_strategy not in ('linear', 'softmax', 'sigmoid'):
            raise ValueError('DINOv2LinearDepthHead: norm_strategy must be '
                             "'linear', 'softmax' or 'sigmoid', got "
                             f'{norm_strategy!r}')
        self.classify = classify
        self.norm_strategy = norm_strategy
        self.min_depth = check_range(min_depth, 'DINOv2LinearDepthHead',
                                     'min_depth', 0, low_open=True)
        self.max_depth = check_range(max_depth, 'DINOv2LinearDepthHead',
                                     'max_depth', min_depth, low_open=True)
        if bins_strategy == 'UD':
            bins = torch.linspace(min_depth, max_depth, n_bins)
        else:
            bins = torch.linspace(math.log(min_depth), math.log(max_depth),
                                  n_bins).exp()
        self.register_buffer('bins', bins, persistent=False)
        self.loss_module = MODELS.build(loss)

    def predict_depth(self, feats: Sequence[BlockFeature]) -> Tensor:
        """Depth in metres on the upsampled token grid, (B, 1, h', w')."""
        x = self(feats)
        if not self.classify:
            return F.relu(x) + self.min_depth
        if self.norm_strategy == 'linear':
            prob = F.relu(x) + 0.1
            prob = prob / prob.sum(dim=1, keepdim=True)
        elif self.norm_strategy == 'softmax':
            prob = x.softmax(dim=1)
        else:
            prob = x.sigmoid()
            prob = prob / prob.sum(dim=1, keepdim=True)
        return torch.einsum('bkhw,k->bhw', prob, self.bins).unsqueeze(1)

    gt_field = 'gt_depth'

    def dense_prediction(self, feats: Sequence[BlockFeature]) -> Tensor:
        """:meth:`predict_depth`, (B, 1, h', w')."""
        return self.predict_depth(feats)

    def pixel_loss(self, pred: Tensor, gt: Tensor) -> Dict[str, Tensor]:
        """``loss_depth``: the loss module over the pixels with
        ``min_depth < gt <= max_depth`` (pred (P, 1), gt (P, ) metres)."""
        gt = gt.float()
        valid = (gt > self.min_depth) & (gt <= self.max_depth)
        return dict(loss_depth=self.loss_module(pred[:, 0], gt, valid))

    def add_prediction(self, sample: BaseDataElement, pred: Tensor) -> None:
        """``pred_depth`` (PixelData, data (1, H, W) metres) at
        ``ori_shape``."""
        sample.pred_depth = PixelData(data=pred)
