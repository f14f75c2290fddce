"""GLEE's visual prompts: points (positive and negative), boxes, scribbles
and masks.

A visual prompt becomes two things, as in the official GLEE
(``GLEE_Model.get_template`` and the ``spatial`` branch of
``GLEE_Model.forward``):

(a) a *template*: the prompted region cropped at twice its box
    (``ceil(2 sqrt(w h))`` square around the box centre), resized to
    ``template_size`` squared (official 256), run through the image encoder
    without gradient and fused over its three coarsest maps
    (:attr:`GLEEVisualPrompter.template_convs`, the official ``sot_fuser``);
    its tokens join the text tokens in the early fusion;
(b) *point tokens*: up to ``max_points`` (official 512) positions of the
    positive region and as many of the negative region, sampled from each
    encoder level (coarsest first) after a per-level linear map (official
    ``mask_sptial_embed``), plus a learned positive / negative indicator
    (``pn_indicator``); decoder layer ``l`` puts the tokens of level
    ``l % num_token_levels`` into its self-attention, as text tokens of an
    expression are.

The confidence head then picks the prompted object (the official model
selects its proposals and its answer with it in this mode).

:class:`VisualPrompt` is the user-facing description (image pixels of the
original image); :meth:`VisualPrompt.rasterize` turns it into the positive
and negative regions at the network input, where clicks are small squares
(half side ``H / 40``, ``W / 40`` of the padded input, official), boxes are
filled, scribbles are drawn as thick polylines, and negative regions are
carved out of the positive one. Multi-click refinement feeds the previous
mask together with all clicks so far as the next prompt.

Differences from the official code (documented at their place): the
official model never uses negative regions (it builds them as
``p & False``); here negative clicks and scribbles are encoded, and training
adds negative clicks to point prompts (``neg_click_prob``). At test time the
point subsampling is deterministic (evenly spaced), not random.
"""
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.ops import point_sample
from mmdet.models.utils.misc import aligned_bilinear
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor, nn

from mmvision_plus.models.dense_heads.glee_head import _masks_to_tensor
from mmvision_plus.utils.arg_checks import check_range

VISUAL_PROMPT_MODES = ('point', 'scribble', 'box', 'mask')
#: Modes whose template adds the prompt mask to the image (official).
MASK_ON_TEMPLATE_MODES = ('point', 'scribble')


class VisualPromptError(ValueError):
    """A visual prompt that cannot be used: outside the image, wrong shape,
    or nothing positive to segment."""


def _as_array(value, shape_tail: Tuple[int, ...], name: str,
              dtype=np.float32) -> np.ndarray:
    array = np.asarray(value if value is not None else [], dtype=dtype)
    if array.size == 0:
        return np.zeros((0, ) + shape_tail, dtype)
    if array.ndim == len(shape_tail):
        array = array[None]
    if array.shape[1:] != shape_tail:
        raise VisualPromptError(
            f'visual prompt: {name} must have shape (N, '
            f'{", ".join(map(str, shape_tail))}), got {array.shape}')
    return array


@dataclass
class VisualPrompt:
    """One object's visual prompt, in pixels of the original image.

    Args:
        points (np.ndarray): (N, 2) clicks ``(x, y)``.
        point_labels (np.ndarray): (N, ) 1 for a positive click, 0 for a
            negative one. Default: all positive.
        boxes (np.ndarray): (M, 4) ``(x1, y1, x2, y2)`` boxes (positive).
        scribbles (Sequence[np.ndarray]): Polylines, each (K, 2) ``(x, y)``.
        scribble_labels (Sequence[int]): 1 / 0 per scribble. Default: all
            positive.
        mask (np.ndarray, optional): (H, W) bool mask of the object (or the
            previous prediction, for refinement), the original image's size.
    """
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    point_labels: Optional[np.ndarray] = None
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    scribbles: Sequence[np.ndarray] = ()
    scribble_labels: Optional[Sequence[int]] = None
    mask: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.points = _as_array(self.points, (2, ), 'points')
        if self.point_labels is None:
            self.point_labels = np.ones(len(self.points), np.int64)
        self.point_labels = np.asarray(self.point_labels, np.int64).reshape(-1)
        if len(self.point_labels) != len(self.points):
            raise VisualPromptError(
                f'visual prompt: {len(self.points)} points but '
                f'{len(self.point_labels)} point_labels')
        if not np.isin(self.point_labels, (0, 1)).all():
            raise VisualPromptError('visual prompt: point_labels must be 1 '
                                    '(positive) or 0 (negative)')
        self.boxes = _as_array(self.boxes, (4, ), 'boxes')
        self.scribbles = [_as_array(s, (2, ), 'scribble')
                          for s in self.scribbles]
        if any(len(s) == 0 for s in self.scribbles):
            raise VisualPromptError('visual prompt: an empty scribble')
        if self.scribble_labels is None:
            self.scribble_labels = [1] * len(self.scribbles)
        self.scribble_labels = [int(v) for v in self.scribble_labels]
        if len(self.scribble_labels) != len(self.scribbles):
            raise VisualPromptError(
                f'visual prompt: {len(self.scribbles)} scribbles but '
                f'{len(self.scribble_labels)} scribble_labels')
        if self.mask is not None:
            self.mask = np.asarray(self.mask).astype(bool)
            if self.mask.ndim != 2:
                raise VisualPromptError(
                    f'visual prompt: mask must be (H, W), got '
                    f'{self.mask.shape}')
        if not self.has_positive:
            raise VisualPromptError(
                'visual prompt: nothing positive to segment (give a '
                'positive click, a box, a positive scribble or a mask)')

    @classmethod
    def from_inputs(cls, points=None, point_labels=None, boxes=None,
                    scribbles=None, scribble_labels=None,
                    mask=None) -> Optional['VisualPrompt']:
        """A prompt from optional inputs (an inferencer's arguments), None
        when none is given."""
        if all(v is None for v in (points, boxes, scribbles, mask)):
            return None
        return cls(points=points, point_labels=point_labels, boxes=boxes,
                   scribbles=scribbles or (), scribble_labels=scribble_labels,
                   mask=mask)

    @property
    def has_positive(self) -> bool:
        return bool((self.point_labels == 1).any() or len(self.boxes)
                    or any(v == 1 for v in self.scribble_labels)
                    or (self.mask is not None and self.mask.any()))

    @property
    def mode(self) -> str:
        """How the template is made (see :data:`VISUAL_PROMPT_MODES`)."""
        if self.mask is not None and self.mask.any():
            return 'mask'
        if any(v == 1 for v in self.scribble_labels):
            return 'scribble'
        if (self.point_labels == 1).any():
            return 'point'
        return 'box'

    def validate(self, image_shape: Tuple[int, int]) -> None:
        """Check the prompt against the original image size.

        Args:
            image_shape (tuple[int, int]): (H, W) of the original image.

        Raises:
            VisualPromptError: A click, box or scribble outside the image,
                an inverted box, or a mask of another size.
        """
        h, w = image_shape

        def outside(xy: np.ndarray) -> np.ndarray:
            return (xy[:, 0] < 0) | (xy[:, 0] > w) | (xy[:, 1] < 0) | (
                xy[:, 1] > h)

        if len(self.points) and outside(self.points).any():
            bad = self.points[outside(self.points)][0].tolist()
            raise VisualPromptError(
                f'visual prompt: point {bad} is outside the {w}x{h} image')
        for box in self.boxes:
            if outside(box.reshape(2, 2)).any():
                raise VisualPromptError(
                    f'visual prompt: box {box.tolist()} is outside the '
                    f'{w}x{h} image')
            if box[2] <= box[0] or box[3] <= box[1]:
                raise VisualPromptError(
                    f'visual prompt: box {box.tolist()} has x2 <= x1 or '
                    'y2 <= y1')
        for scribble in self.scribbles:
            if outside(scribble).any():
                raise VisualPromptError(
                    'visual prompt: a scribble leaves the '
                    f'{w}x{h} image')
        if self.mask is not None and self.mask.shape != (h, w):
            raise VisualPromptError(
                f'visual prompt: mask is {self.mask.shape[::-1]} (w x h), '
                f'the image {w}x{h}')

    def rasterize(self, img_shape: Tuple[int, int],
                  scale_factor: Tuple[float, float],
                  point_radius: Tuple[int, int]) -> Tuple[np.ndarray, ...]:
        """Positive and negative regions at the network input.

        Args:
            img_shape (tuple[int, int]): (h, w) of the resized image.
            scale_factor (tuple[float, float]): (w_scale, h_scale) from the
                original image to the resized one.
            point_radius (tuple[int, int]): Half side (y, x) of a click's
                square.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``pos``, ``neg``, (h, w) bool;
            negative regions are removed from ``pos``.
        """
        h, w = img_shape
        sx, sy = scale_factor
        pos = np.zeros((h, w), np.uint8)
        neg = np.zeros((h, w), np.uint8)
        if self.mask is not None:
            pos |= cv2.resize(self.mask.astype(np.uint8), (w, h),
                              interpolation=cv2.INTER_NEAREST)
        for box in self.boxes:
            x1, y1 = int(math.floor(box[0] * sx)), int(math.floor(box[1] * sy))
            x2, y2 = int(math.ceil(box[2] * sx)), int(math.ceil(box[3] * sy))
            pos[max(y1, 0):max(y2, y1 + 1), max(x1, 0):max(x2, x1 + 1)] = 1
        ry, rx = point_radius
        for (x, y), label in zip(self.points, self.point_labels):
            cx = min(int(x * sx), w - 1)
            cy = min(int(y * sy), h - 1)
            target = pos if label == 1 else neg
            target[max(cy - ry, 0):cy + ry + 1,
                   max(cx - rx, 0):cx + rx + 1] = 1
        thickness = 2 * min(ry, rx) + 1
        for scribble, label in zip(self.scribbles, self.scribble_labels):
            xy = np.round(scribble * [sx, sy]).astype(np.int32)
            cv2.polylines(pos if label == 1 else neg, [xy[:, None]],
                          isClosed=False, color=1, thickness=thickness)
        neg = neg.astype(bool)
        return pos.astype(bool) & ~neg, neg


def point_radius_of(pad_shape: Tuple[int, int]) -> Tuple[int, int]:
    """Half side (y, x) of a click's square: 1/40 of the padded input, as
    the official point prompts (at least 1 px)."""
    return max(pad_shape[0] // 40, 1), max(pad_shape[1] // 40, 1)


def region_box(region: Tensor) -> Optional[Tuple[int, int, int, int]]:
    """``(x1, y1, x2, y2)`` of a (H, W) bool region, inclusive max as the
    official ``masks_to_boxes``; None when empty."""
    ys, xs = torch.nonzero(region, as_tuple=True)
    if len(ys) == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))


def crop_template(image: Tensor, region: Tensor, add_region: bool,
                  size: int, search_area_factor: float = 2.0) -> Tensor:
    """Crop the prompted region at ``search_area_factor`` times its box.

    As the official ``get_template``: a square of side
    ``ceil(factor * sqrt(w h))`` centred on the region's box (clipped at
    the top-left image border, cut at the bottom-right), resized to
    ``size`` squared; for point and scribble prompts the region (0 / 1) is
    added to the image first.

    Args:
        image (Tensor): (3, H, W) normalised input image.
        region (Tensor): (H, W) bool prompted region.
        add_region (bool): Add the region to the image.
        size (int): Output side.
        search_area_factor (float): Crop side over the box's mean side.

    Returns:
        Tensor: (3, size, size).
    """
    if add_region:
        image = image + region.to(image.dtype)
    box = region_box(region)
    crop = image
    if box is not None:
        x1, y1, x2, y2 = box
        w, h = x2 - x1, y2 - y1
        side = math.ceil(math.sqrt(w * h) * search_area_factor)
        cx1 = max(0, round(x1 + 0.5 * w - side * 0.5))
        cy1 = max(0, round(y1 + 0.5 * h - side * 0.5))
        cropped = image[:, cy1:cy1 + side, cx1:cx1 + side]
        if cropped.shape[-1] > 0 and cropped.shape[-2] > 0:
            crop = cropped
    return F.interpolate(crop[None], (size, size), mode='bilinear',
                         align_corners=False)[0]


def subsample_points(coords: Tensor, max_points: int,
                     random: bool) -> Tensor:
    """At most ``max_points`` rows of ``coords`` (K, 2): a random subset
    (training, official ``rand_sample``) or evenly spaced ones (test)."""
    if len(coords) <= max_points:
        return coords
    if random:
        keep = torch.randperm(len(coords), device=coords.device)[:max_points]
    else:
        keep = torch.linspace(0, len(coords) - 1, max_points,
                              device=coords.device).round().long()
    return coords[keep]


class GLEEVisualPrompter(BaseModule):
    """Template tokens and point tokens of visual prompts.

    Args:
        in_channels (Sequence[int]): Channels of the image encoder's three
            coarsest maps (as ``input_proj``'s; ResNet-50: 512, 1024, 2048).
        embed_dims (int): Token width (the encoder width). Default 256.
        num_levels (int): Encoder levels with a point map (official 4).
        num_token_levels (int): Levels whose tokens the decoder layers
            cycle through (official 3: ``layer_id % 3``).
        max_points (int): Positive (and negative) positions per level.
            Default 512.
        template_size (int): Side of the template crop. Default 256.
        search_area_factor (float): Crop side over the region's mean side.
            Default 2.
        prompt_prob (float): Training: probability that a batch of a
            ``prompt_tasks`` task becomes a visual-prompt batch (one GT
            object per image is the prompt and the only target). Official
            0.2 on image tasks.
        prompt_tasks (Sequence[str]): Tasks whose batches can become
            visual-prompt batches (they need GT masks).
        mode_probs (dict[str, float], optional): Training prompt types.
            Default the official mask 0.6, point 0.32, box 0.08.
        neg_click_prob (float): Training: probability that a point prompt
            also gets a negative click (not in the official recipe, whose
            negative regions are always empty). Default 0.5.
        init_cfg (dict, optional): BaseModule init config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 embed_dims: int = 256,
                 num_levels: int = 4,
                 num_token_levels: int = 3,
                 max_points: int = 512,
                 template_size: int = 256,
                 search_area_factor: float = 2.0,
                 prompt_prob: float = 0.2,
                 prompt_tasks: Sequence[str] = ('instance', ),
                 mode_probs: Optional[Dict[str, float]] = None,
                 neg_click_prob: float = 0.5,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        mode_probs = dict(mask=0.6, point=0.32, box=0.08) \
            if mode_probs is None else dict(mode_probs)
        if not mode_probs or set(mode_probs) - {'mask', 'point', 'box'} or \
                min(mode_probs.values()) < 0 or \
                abs(sum(mode_probs.values()) - 1) > 1e-6:
            raise ValueError('GLEEVisualPrompter: mode_probs maps mask / '
                             'point / box to probabilities summing to 1, '
                             f'got {mode_probs}')
        self.prompt_prob = check_range(prompt_prob, 'GLEEVisualPrompter',
                                       'prompt_prob', 0, 1)
        self.prompt_tasks = tuple(prompt_tasks)
        self.mode_probs = mode_probs
        self.neg_click_prob = check_range(neg_click_prob,
                                          'GLEEVisualPrompter',
                                          'neg_click_prob', 0, 1)
        if len(in_channels) != 3:
            raise ValueError('GLEEVisualPrompter: in_channels lists the '
                             'three coarsest image-encoder maps, got '
                             f'{list(in_channels)}')
        self.embed_dims = embed_dims
        self.num_token_levels = check_range(num_token_levels,
                                            'GLEEVisualPrompter',
                                            'num_token_levels', 1, num_levels)
        self.max_points = max_points
        self.template_size = template_size
        self.search_area_factor = search_area_factor
        # official FeatureFuser ("sot_fuser"): a 3x3 conv per map, summed
        self.template_convs = nn.ModuleList(
            nn.Conv2d(c, embed_dims, 3, padding=1) for c in in_channels)
        # official mask_sptial_embed / pn_indicator
        self.spatial_embeds = nn.ParameterList(
            nn.Parameter(torch.empty(embed_dims, embed_dims))
            for _ in range(num_levels))
        self.pn_indicator = nn.Embedding(2, embed_dims)
        self._init_spatial_embeds()

    def _init_spatial_embeds(self) -> None:
        for weight in self.spatial_embeds:
            trunc_normal_(weight, std=.02)

    def init_weights(self) -> None:
        super().init_weights()
        self._init_spatial_embeds()

    # ------------------------------------------------------------------ #
    # template (early fusion)
    # ------------------------------------------------------------------ #
    def template_tokens(self, extract_feat: Callable[[Tensor], Sequence[
            Tensor]], images: Tensor, regions: Tensor,
            modes: Sequence[str]) -> Tensor:
        """Tokens of the template crops.

        Args:
            extract_feat (Callable): The image encoder (maps finest first).
            images (Tensor): (bs, 3, H, W) normalised input images.
            regions (Tensor): (bs, H, W) bool, the region each crop is
                centred on.
            modes (Sequence[str]): Prompt mode per image.

        Returns:
            Tensor: (bs, L, C), L = (template_size / stride)^2 at the
            finest of the three maps.
        """
        crops = torch.stack([
            crop_template(img, region, mode in MASK_ON_TEMPLATE_MODES,
                          self.template_size, self.search_area_factor)
            for img, region, mode in zip(images, regions, modes)
        ])
        with torch.no_grad():
            maps = list(extract_feat(crops))[-3:]
        fused = self.template_convs[0](maps[0])
        for conv, feat in zip(self.template_convs[1:], maps[1:]):
            factor = fused.shape[-1] // feat.shape[-1]
            fused = fused + aligned_bilinear(conv(feat), factor)
        return fused.flatten(2).transpose(1, 2)

    # ------------------------------------------------------------------ #
    # point tokens (decoder self-attention)
    # ------------------------------------------------------------------ #
    def point_tokens(self, level_maps: Sequence[Tensor], pos: Tensor,
                     neg: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
        """Point tokens of the first ``num_token_levels`` levels.

        Positions are pixel indices over the padded input size, sampled
        with ``align_corners=True`` as the official code does.

        Args:
            level_maps (Sequence[Tensor]): Encoder levels, coarsest first,
                each (bs, C, h_i, w_i).
            pos (Tensor): (bs, H, W) bool positive regions.
            neg (Tensor): (bs, H, W) bool negative regions.

        Returns:
            tuple[list[Tensor], list[Tensor]]: Per level, tokens (bs, T, C)
            and their mask (bs, T) bool, True for real tokens.
        """
        size = pos.new_tensor(pos.shape[-2:], dtype=torch.float)
        tokens, masks = [], []
        for level in range(self.num_token_levels):
            feats = level_maps[level]
            feats = (feats.permute(0, 2, 3, 1) @ self.spatial_embeds[level]
                     ).permute(0, 3, 1, 2)
            coords, signs = [], []
            for p, n in zip(pos, neg):
                p_yx = subsample_points(torch.nonzero(p), self.max_points,
                                        self.training)
                n_yx = subsample_points(torch.nonzero(n), self.max_points,
                                        self.training)
                coords.append((torch.cat([p_yx, n_yx]) / size).flip(-1))
                signs.append(torch.cat([
                    p_yx.new_zeros(len(p_yx)),
                    p_yx.new_ones(len(n_yx))
                ]))
            valid = nn.utils.rnn.pad_sequence(
                [c.new_ones(len(c), dtype=torch.bool) for c in coords],
                batch_first=True)
            coords = nn.utils.rnn.pad_sequence(coords, batch_first=True)
            signs = nn.utils.rnn.pad_sequence(signs, batch_first=True)
            sampled = point_sample(feats, coords.to(feats.dtype),
                                   align_corners=True).transpose(1, 2)
            # padded slots are masked out of the attention; zero them too
            sampled = (sampled + self.pn_indicator(signs)) * valid[..., None]
            tokens.append(sampled)
            masks.append(valid)
        return tokens, masks

    # ------------------------------------------------------------------ #
    # training prompts
    # ------------------------------------------------------------------ #
    @staticmethod
    def training_prompt(gt_mask: Tensor, mode: str, neg_click_prob: float,
                        point_radius: Tuple[int, int]) -> Dict[str, Tensor]:
        """A training prompt from one GT mask (official recipe).

        * ``mask``: the mask is the prompt (template centred on it);
        * ``point``: a click at a random pixel of the object; its square is
          both the template region and the token region; here, with
          probability ``neg_click_prob``, one negative click at a random
          pixel outside the object within its doubled box as well;
        * ``box``: the object's box, filled, is the token region; the
          template is centred on the object.

        Args:
            gt_mask (Tensor): (H, W) bool, the padded input size.
            mode (str): ``mask``, ``point`` or ``box``.
            neg_click_prob (float): Probability of a negative click.
            point_radius (tuple[int, int]): Click half side (y, x).

        Returns:
            dict: ``pos``, ``neg``, ``template_region``, (H, W) bool.
        """
        ry, rx = point_radius
        h, w = gt_mask.shape
        neg = torch.zeros_like(gt_mask)
        if mode == 'mask':
            return dict(pos=gt_mask, neg=neg, template_region=gt_mask)
        x1, y1, x2, y2 = region_box(gt_mask)
        if mode == 'box':
            pos = torch.zeros_like(gt_mask)
            pos[y1:y2 + 1, x1:x2 + 1] = True
            return dict(pos=pos, neg=neg, template_region=gt_mask)
        ys, xs = torch.nonzero(gt_mask, as_tuple=True)
        k = int(torch.randint(len(ys), (1, )))
        pos = torch.zeros_like(gt_mask)
        pos[max(int(ys[k]) - ry, 0):int(ys[k]) + ry + 1,
            max(int(xs[k]) - rx, 0):int(xs[k]) + rx + 1] = True
        if float(torch.rand(1)) < neg_click_prob:
            bw, bh = x2 - x1 + 1, y2 - y1 + 1
            area = torch.zeros_like(gt_mask)
            area[max(y1 - bh // 2, 0):min(y2 + bh // 2 + 1, h),
                 max(x1 - bw // 2, 0):min(x2 + bw // 2 + 1, w)] = True
            ys, xs = torch.nonzero(area & ~gt_mask, as_tuple=True)
            if len(ys):
                k = int(torch.randint(len(ys), (1, )))
                neg[max(int(ys[k]) - ry, 0):int(ys[k]) + ry + 1,
                    max(int(xs[k]) - rx, 0):int(xs[k]) + rx + 1] = True
        if not (pos & ~neg).any():
            neg = torch.zeros_like(gt_mask)
        pos = pos & ~neg
        return dict(pos=pos, neg=neg, template_region=pos)

    # ------------------------------------------------------------------ #
    # a batch's visual prompts
    # ------------------------------------------------------------------ #
    def _training_prompts(self, batch_inputs: Tensor,
                          batch_data_samples: list, task: str) -> Optional[
                              Tuple[list, List[Dict[str, Tensor]], list]]:
        """Turn a training batch into a visual-prompt batch, or None.

        One GT object per image becomes the prompt and the only target.
        """
        if task not in self.prompt_tasks or \
                float(torch.rand(1)) >= self.prompt_prob:
            return None
        if not all('masks' in s.gt_instances and len(s.gt_instances) > 0
                   for s in batch_data_samples):
            return None
        pad_shape = batch_inputs.shape[-2:]
        radius = point_radius_of(tuple(pad_shape))
        names = list(self.mode_probs)
        probs = torch.tensor([self.mode_probs[n] for n in names])
        samples, regions, modes = [], [], []
        for sample in batch_data_samples:
            gt = sample.gt_instances
            k = int(torch.randint(len(gt), (1, )))
            chosen = gt[k:k + 1]
            mask = _masks_to_tensor(chosen, tuple(pad_shape),
                                    batch_inputs.device)[0] > 0.5
            if not mask.any():
                return None
            mode = names[int(torch.multinomial(probs, 1))]
            regions.append(self.training_prompt(mask, mode,
                                                self.neg_click_prob, radius))
            modes.append(mode)
            new = sample.clone()
            new.gt_instances = chosen
            samples.append(new)
        return samples, regions, modes

    def _inference_prompts(self, batch_inputs: Tensor,
                           batch_data_samples: list) -> Optional[
                               Tuple[list, List[Dict[str, Tensor]], list]]:
        """The samples' ``visual_prompt`` metainfo, rasterized, or None."""
        prompts = [s.metainfo.get('visual_prompt')
                   for s in batch_data_samples]
        if all(p is None for p in prompts):
            return None
        if any(p is None for p in prompts):
            raise VisualPromptError(
                'a batch mixes samples with and without a visual_prompt')
        pad_h, pad_w = batch_inputs.shape[-2:]
        radius = point_radius_of((pad_h, pad_w))
        regions, modes = [], []
        for prompt, sample in zip(prompts, batch_data_samples):
            if not isinstance(prompt, VisualPrompt):
                raise VisualPromptError(
                    'visual_prompt metainfo must be a VisualPrompt, got '
                    f'{type(prompt).__name__}')
            prompt.validate(tuple(sample.metainfo['ori_shape']))
            h, w = sample.metainfo['img_shape']
            pos, neg = prompt.rasterize(
                (h, w), sample.metainfo.get('scale_factor', (1., 1.)),
                radius)
            if not pos.any():
                raise VisualPromptError(
                    'visual prompt: its positive region vanished at the '
                    f'network input ({w}x{h}): negative clicks cover it')
            pos_t = batch_inputs.new_zeros((pad_h, pad_w), dtype=torch.bool)
            neg_t = torch.zeros_like(pos_t)
            pos_t[:h, :w] = torch.from_numpy(pos)
            neg_t[:h, :w] = torch.from_numpy(neg)
            regions.append(dict(pos=pos_t, neg=neg_t, template_region=pos_t))
            modes.append(prompt.mode)
        return list(batch_data_samples), regions, modes

    def encode(self, batch_inputs: Tensor, batch_data_samples: list,
               task: str, extract_feat: Callable) -> Optional[Dict]:
        """The visual prompts of a batch, if it has any.

        Training: with probability ``prompt_prob`` a batch of a
        ``prompt_tasks`` task with GT masks becomes a visual-prompt batch.
        Inference: samples whose metainfo holds a :class:`VisualPrompt`
        (``visual_prompt``).

        Args:
            batch_inputs (Tensor): (bs, 3, H, W) normalised, padded images.
            batch_data_samples (list[DetDataSample]): The batch.
            task (str): The batch's task.
            extract_feat (Callable): The image encoder (for templates).

        Returns:
            dict | None: ``pos``, ``neg`` (bs, H, W) bool, ``template_tokens``
            (bs, L, C), ``data_samples`` (training: the prompted object as
            the only target), ``point_tokens`` / ``point_masks`` None until
            the decoder input is built.

        Raises:
            VisualPromptError: A bad prompt, or a batch mixing prompted and
                unprompted samples.
        """
        if self.training:
            made = self._training_prompts(batch_inputs, batch_data_samples,
                                          task)
        else:
            made = self._inference_prompts(batch_inputs, batch_data_samples)
        if made is None:
            return None
        samples, regions, modes = made
        template = self.template_tokens(
            extract_feat, batch_inputs,
            torch.stack([r['template_region'] for r in regions]), modes)
        return dict(
            pos=torch.stack([r['pos'] for r in regions]),
            neg=torch.stack([r['neg'] for r in regions]),
            template_tokens=template,
            modes=modes,
            data_samples=samples,
            point_tokens=None,
            point_masks=None)
