"""GLEE's prediction heads and losses (MaskDINO heads scored against text).

Every prediction set (the selected encoder proposals, the initial queries
and each decoder layer) goes through the same heads:

* class: the alignment between the projected object embedding and each
  prompt embedding, ``(q @ W) . e_k`` with no normalisation, temperature or
  bias (official ``category_embed``), so the vocabulary is whatever the
  prompt lists and a class's score does not depend on the other classes;
* box: one 3-layer MLP shared by all layers (and by the encoder proposals),
  predicting a refinement of the layer's reference box;
* mask: a 3-layer MLP mask embedding dotted with the 1/4-resolution
  pixel-embedding map;
* confidence: a 2-layer MLP objectness score (trained for the tasks listed
  in ``confidence_tasks``: visual-prompt tasks, which score objects against
  no text).

Losses follow the official weights: sigmoid focal on the alignment logits
(4), L1 (5) + GIoU (2) on boxes, BCE (5) + Dice (5) on point-sampled masks
(Mask2Former's importance sampling), after Hungarian matching with the same
costs; box-only batches match and learn without the mask terms. The
denoising queries learn class and box (official "standard" denoising: no
masks).
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import point_sample
from mmdet.models.layers.transformer import MLP, inverse_sigmoid
from mmdet.models.utils import get_uncertain_point_coords_with_randomness
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from mmdet.utils import reduce_mean
from mmengine.model import BaseModule, bias_init_with_prob
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmvision_plus.registry import MODELS, TASK_UTILS

MASK_COST_TYPES = ('DiceCost', 'CrossEntropyLossCost')
#: The official sigmoid focal loss (weight 4) of the class and confidence
#: scores.
FOCAL_LOSS_W4 = dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0,
                     alpha=0.25, loss_weight=4.0)


def _without_mask_costs(assigner_cfg: dict) -> dict:
    """The assigner config with the mask match costs removed."""
    cfg = copy.deepcopy(assigner_cfg)
    cfg['match_costs'] = [
        c for c in cfg['match_costs']
        if not c['type'].split('.')[-1] in MASK_COST_TYPES
    ]
    return cfg


def _masks_to_tensor(gt_instances: InstanceData,
                     pad_shape: Tuple[int, int], device) -> Tensor:
    """GT masks (n, H_pad, W_pad) float, padded bottom-right like the input.

    Predicted masks cover the padded batch input, so point coordinates in
    [0, 1] address the same pixels of both once the GT masks are padded.
    """
    masks = gt_instances.masks
    if isinstance(masks, Tensor):
        h, w = masks.shape[-2:]
        return F.pad(masks.float(),
                     (0, pad_shape[1] - w, 0, pad_shape[0] - h)).to(device)
    return masks.pad(tuple(pad_shape)).to_tensor(torch.float32, device)


@MODELS.register_module()
class GLEEHead(BaseModule):
    """Class (text alignment), box, mask and confidence heads + losses.

    Args:
        embed_dims (int): Query width. Default 256.
        text_dims (int): Prompt embedding width (``DIM_PROJ``). Default 256.
        mask_dims (int): Pixel-embedding width. Default 256.
        loss_cls (dict): Focal loss on alignment logits, weight 4.
        loss_bbox (dict): L1 on normalised (cx, cy, w, h), weight 5.
        loss_iou (dict): GIoU, weight 2.
        loss_mask (dict): Sigmoid BCE on sampled points, weight 5.
        loss_dice (dict): Dice on sampled points, weight 5.
        loss_conf (dict): Focal loss on the confidence logit, weight 4.
        class_bias_prior (float, optional): Add one learnable scalar to all
            alignment logits, initialised so that sigmoid(logit) starts at
            this prior (0.01 as mmdet's DINO / GroundingDINO's
            ``ContrastiveEmbed(bias=True)``): steadier from-scratch
            training. None (default): no bias, as the official GLEE. A
            scalar leaves each class's score independent of the others.
        confidence_tasks (Sequence[str]): Tasks whose batches train the
            confidence head (positives: the matched queries). Default ():
            text-prompted tasks score with the class head.
        num_points (int): Points sampled per mask. Default 12544 (112^2).
        oversample_ratio (float): Point oversampling. Default 3.
        importance_sample_ratio (float): Share of uncertain points. 0.75.
        train_cfg (dict): ``assigner`` (a ``HungarianAssigner`` with class,
            box and mask costs; box-only batches drop the mask costs).
        test_cfg (dict): ``max_per_img`` detections per image (default
            100); ``prompt_selection``, how a visual prompt's answer is
            chosen: ``'confidence'`` (default, official) or
            ``'agreement'`` (confidence x prompt agreement, see
            :meth:`prompt_agreement`).
        init_cfg (dict, optional): BaseModule init config.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 text_dims: int = 256,
                 mask_dims: int = 256,
                 loss_cls: dict = FOCAL_LOSS_W4,
                 loss_bbox: dict = dict(type='mmdet.L1Loss', loss_weight=5.0),
                 loss_iou: dict = dict(type='mmdet.GIoULoss', loss_weight=2.0),
                 loss_mask: dict = dict(
                     type='mmdet.CrossEntropyLoss',
                     use_sigmoid=True,
                     reduction='mean',
                     loss_weight=5.0),
                 loss_dice: dict = dict(
                     type='mmdet.DiceLoss',
                     use_sigmoid=True,
                     activate=True,
                     reduction='mean',
                     naive_dice=True,
                     eps=1.0,
                     loss_weight=5.0),
                 loss_conf: dict = FOCAL_LOSS_W4,
                 class_bias_prior: Optional[float] = None,
                 confidence_tasks: Sequence[str] = (),
                 num_points: int = 12544,
                 oversample_ratio: float = 3.0,
                 importance_sample_ratio: float = 0.75,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.class_projection = nn.Parameter(torch.zeros(embed_dims,
                                                         text_dims))
        self.class_bias_prior = class_bias_prior
        self.class_bias = None
        if class_bias_prior is not None:
            self.class_bias = nn.Parameter(
                torch.tensor(bias_init_with_prob(class_bias_prior)))
        self.box_head = MLP(embed_dims, embed_dims, 4, 3)
        self.mask_head = MLP(embed_dims, embed_dims, mask_dims, 3)
        self.confidence_head = MLP(embed_dims, embed_dims, 1, 2)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_iou = MODELS.build(loss_iou)
        self.loss_mask = MODELS.build(loss_mask)
        self.loss_dice = MODELS.build(loss_dice)
        self.loss_conf = MODELS.build(loss_conf)
        self.confidence_tasks = tuple(confidence_tasks)
        self.num_points = num_points
        self.oversample_ratio = oversample_ratio
        self.importance_sample_ratio = importance_sample_ratio
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg or {}
        if self.test_cfg.get('prompt_selection', 'confidence') not in (
                'confidence', 'agreement'):
            raise ValueError(
                "GLEEHead: test_cfg.prompt_selection is 'confidence' or "
                f"'agreement', got {self.test_cfg['prompt_selection']!r}")
        if train_cfg is not None:
            self.assigner = TASK_UTILS.build(train_cfg['assigner'])
            self.box_assigner = TASK_UTILS.build(
                _without_mask_costs(train_cfg['assigner']))

    def init_weights(self) -> None:
        """Zero last box layer (boxes start at their references), as the
        official code, and zero ``class_projection``: the official
        ``category_embed`` starts from ``torch.rand`` (uniform [0, 1)), but
        from scratch the object and prompt embeddings are large (norms ~16)
        and nearly parallel, so any random projection starts the alignment
        logits far from zero (focal losses in the thousands); at zero the
        logits start at the bias (the prior) and W still gets gradients
        ``q e^T``."""
        super().init_weights()
        nn.init.zeros_(self.class_projection)
        if self.class_bias is not None:
            nn.init.constant_(self.class_bias,
                              bias_init_with_prob(self.class_bias_prior))
        nn.init.zeros_(self.box_head.layers[-1].weight)
        nn.init.zeros_(self.box_head.layers[-1].bias)

    # ------------------------------------------------------------------ #
    # forward
    # ------------------------------------------------------------------ #
    def class_logits(self, query_feats: Tensor,
                     class_embeds: Tensor) -> Tensor:
        """Alignment of objects with prompts.

        Args:
            query_feats (Tensor): (bs, Q, C) object embeddings.
            class_embeds (Tensor): (bs, N, D) prompt embeddings.

        Returns:
            Tensor: (bs, Q, N) logits ``(q @ W) . e``.
        """
        logits = torch.einsum('bqd,bnd->bqn',
                              query_feats @ self.class_projection,
                              class_embeds)
        if self.class_bias is not None:
            logits = logits + self.class_bias
        return logits

    def refine_boxes(self, query_feats: Tensor, references: Tensor) -> Tensor:
        """Boxes of a layer: its reference refined by the box MLP.

        Args:
            query_feats (Tensor): (bs, Q, C).
            references (Tensor): (bs, Q, 4) normalised (cx, cy, w, h).

        Returns:
            Tensor: (bs, Q, 4) normalised (cx, cy, w, h).
        """
        return (self.box_head(query_feats) +
                inverse_sigmoid(references, eps=1e-3)).sigmoid()

    def forward_layer(self,
                      query_feats: Tensor,
                      boxes: Tensor,
                      class_embeds: Tensor,
                      mask_features: Optional[Tensor] = None,
                      num_denoising: int = 0) -> Dict:
        """Predictions of one set of (already normalised) object embeddings.

        Args:
            query_feats (Tensor): (bs, Q, C), denoising queries first.
            boxes (Tensor): (bs, Q, 4) normalised (cx, cy, w, h).
            class_embeds (Tensor): (bs, N, D).
            mask_features (Tensor, optional): (bs, mask_dims, H/4, W/4);
                None skips the masks.
            num_denoising (int): Leading denoising queries, which learn
                class and box only: no masks are computed for them.

        Returns:
            dict: ``cls`` (bs, Q, N), ``boxes`` (bs, Q, 4), ``conf``
            (bs, Q, 1) and ``masks`` (bs, Q - num_denoising, H/4, W/4) or
            None.
        """
        masks = None
        if mask_features is not None:
            masks = torch.einsum(
                'bqc,bchw->bqhw',
                self.mask_head(query_feats[:, num_denoising:]), mask_features)
        return dict(
            cls=self.class_logits(query_feats, class_embeds),
            boxes=boxes,
            conf=self.confidence_head(query_feats),
            masks=masks)

    def forward(self,
                hidden_states: Tensor,
                references: Sequence[Tensor],
                query_init: Tensor,
                query_norm: nn.Module,
                class_embeds: Tensor,
                mask_features: Optional[Tensor] = None,
                num_denoising: int = 0) -> List[Dict]:
        """Predictions of the initial queries and of every decoder layer.

        As the official MaskDINO decoder: class/mask/confidence read the
        layer output normalised by the decoder's norm (the decoder's own
        outputs are already normalised by it once: twice in all), boxes
        read the decoder output and refine the layer's input reference; the
        initial prediction uses the initial references as boxes.

        Args:
            hidden_states (Tensor): (L, bs, Q, C) decoder layer outputs.
            references (Sequence[Tensor]): L + 1 references (bs, Q, 4): the
                initial one, then each layer's output.
            query_init (Tensor): (bs, Q, C) the decoder's input queries.
            query_norm (nn.Module): The decoder's output norm.
            class_embeds (Tensor): (bs, N, D).
            mask_features (Tensor, optional): (bs, mask_dims, H/4, W/4).
            num_denoising (int): Leading denoising queries (no masks).

        Returns:
            list[dict]: L + 1 prediction dicts (see :meth:`forward_layer`),
            initial queries first.
        """
        outputs = [
            self.forward_layer(query_norm(query_init), references[0],
                               class_embeds, mask_features, num_denoising)
        ]
        for layer, states in enumerate(hidden_states):
            boxes = self.refine_boxes(states, references[layer])
            outputs.append(
                self.forward_layer(query_norm(states), boxes, class_embeds,
                                   mask_features, num_denoising))
        return outputs

    # ------------------------------------------------------------------ #
    # losses
    # ------------------------------------------------------------------ #
    def loss_by_feat(self,
                     layer_outputs: List[Dict],
                     enc_outputs: Dict,
                     class_mask: Tensor,
                     batch_gt_instances: List[InstanceData],
                     batch_img_metas: List[dict],
                     dn_meta: Optional[Dict] = None,
                     task: str = '',
                     with_mask: bool = True) -> Dict[str, Tensor]:
        """Losses of all prediction sets.

        Args:
            layer_outputs (list[dict]): :meth:`forward` outputs; their
                ``cls``, ``boxes``, ``conf`` hold the denoising queries first
                when ``dn_meta`` is set, their ``masks`` only the matching
                queries.
            enc_outputs (dict): Predictions of the selected encoder
                proposals (matching queries only).
            class_mask (Tensor): (bs, N) bool, True for the real prompts
                of each image (prompt lists are padded to the longest).
            batch_gt_instances (list[InstanceData]): ``labels`` (indices
                into the image's prompts), ``bboxes`` (xyxy pixels) and,
                with ``with_mask``, ``masks``.
            batch_img_metas (list[dict]): ``img_shape``,
                ``batch_input_shape``.
            dn_meta (dict, optional): ``num_denoising_queries`` and
                ``num_denoising_groups`` of the batch.
            task (str): The batch's task (for ``confidence_tasks``).
            with_mask (bool): Learn masks (and match on them).

        Returns:
            dict[str, Tensor]: ``loss_*`` of the last layer, ``d{i}.loss_*``
            of the earlier sets (``d0``: initial queries), ``enc_loss_*``
            of the proposals, ``dn_loss_*`` / ``d{i}.dn_loss_*`` of the
            denoising queries.
        """
        num_dn = dn_meta['num_denoising_queries'] if dn_meta else 0
        with_conf = task in self.confidence_tasks
        num_pos = sum(len(gt.labels) for gt in batch_gt_instances)
        avg_factor = reduce_mean(class_mask.new_tensor(
            num_pos, dtype=torch.float)).clamp(min=1).item()
        losses = {}
        last = len(layer_outputs) - 1
        for i, out in enumerate(layer_outputs):
            prefix = '' if i == last else f'd{i}.'
            match = dict(out, cls=out['cls'][:, num_dn:],
                         boxes=out['boxes'][:, num_dn:],
                         conf=out['conf'][:, num_dn:])
            losses.update(self._prefixed(
                prefix, self.loss_matched(match, class_mask,
                                          batch_gt_instances, batch_img_metas,
                                          avg_factor, with_mask, with_conf)))
            if num_dn:
                dn = dict(cls=out['cls'][:, :num_dn],
                          boxes=out['boxes'][:, :num_dn])
                losses.update(self._prefixed(
                    prefix + 'dn_', self.loss_denoising(
                        dn, class_mask, batch_gt_instances, batch_img_metas,
                        dn_meta, avg_factor)))
        losses.update(self._prefixed(
            'enc_', self.loss_matched(enc_outputs, class_mask,
                                      batch_gt_instances, batch_img_metas,
                                      avg_factor, with_mask, with_conf)))
        return losses

    @staticmethod
    def _prefixed(prefix: str, losses: Dict[str, Tensor]) -> Dict:
        return {prefix + k: v for k, v in losses.items()}

    def _normalised_gt_boxes(self, gt: InstanceData, img_meta: dict) -> Tensor:
        img_h, img_w = img_meta['img_shape']
        factor = gt.bboxes.new_tensor([img_w, img_h, img_w, img_h])
        return bbox_xyxy_to_cxcywh(gt.bboxes / factor)

    def _pixel_boxes(self, boxes: Tensor, img_meta: dict) -> Tensor:
        img_h, img_w = img_meta['img_shape']
        factor = boxes.new_tensor([img_w, img_h, img_w, img_h])
        return bbox_cxcywh_to_xyxy(boxes) * factor

    def assign(self, cls: Tensor, boxes: Tensor, masks: Optional[Tensor],
               num_classes: int, gt: InstanceData, img_meta: dict,
               gt_masks: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        """Hungarian matching of one image's queries to its targets.

        Args:
            cls (Tensor): (Q, N) logits (padded prompts included).
            boxes (Tensor): (Q, 4) normalised (cx, cy, w, h).
            masks (Tensor, optional): (Q, h, w) mask logits; with
                ``gt_masks`` the mask costs join on shared random points.
            num_classes (int): The image's real prompt count.
            gt (InstanceData): ``labels``, ``bboxes``.
            img_meta (dict): ``img_shape``.
            gt_masks (Tensor, optional): (G, H_pad, W_pad).

        Returns:
            tuple[Tensor, Tensor]: Matched query indices and their target
            indices, (P, ) each.
        """
        pred = InstanceData(
            scores=cls[:, :num_classes],
            bboxes=self._pixel_boxes(boxes, img_meta))
        target = InstanceData(labels=gt.labels, bboxes=gt.bboxes)
        assigner = self.box_assigner
        if gt_masks is not None:
            coords = torch.rand((1, self.num_points, 2), device=cls.device)
            pred.masks = point_sample(
                masks[:, None], coords.repeat(len(masks), 1, 1)).squeeze(1)
            target.masks = point_sample(
                gt_masks[:, None], coords.repeat(len(gt_masks), 1,
                                                 1)).squeeze(1)
            assigner = self.assigner
        result = assigner.assign(pred, target, img_meta=img_meta)
        query_inds = torch.nonzero(result.gt_inds > 0).squeeze(1)
        return query_inds, result.gt_inds[query_inds] - 1

    def loss_matched(self, out: Dict, class_mask: Tensor,
                     batch_gt_instances: List[InstanceData],
                     batch_img_metas: List[dict], avg_factor: float,
                     with_mask: bool, with_conf: bool) -> Dict[str, Tensor]:
        """Losses of one prediction set's matching queries.

        Returns:
            dict: ``loss_cls``, ``loss_bbox``, ``loss_iou`` and with
            ``with_mask`` ``loss_mask``, ``loss_dice``; with ``with_conf``
            ``loss_conf``.
        """
        cls, boxes, masks = out['cls'], out['boxes'], out['masks']
        if with_mask and masks is None:
            raise ValueError('GLEEHead: mask losses need mask predictions')
        cls_targets = torch.zeros_like(cls)
        matched = []  # per image: (query inds, target inds, gt masks)
        for i, (gt, meta) in enumerate(zip(batch_gt_instances,
                                           batch_img_metas)):
            gt_masks = _masks_to_tensor(gt, meta['batch_input_shape'],
                                        cls.device) if with_mask else None
            with torch.no_grad():
                q_inds, t_inds = self.assign(
                    cls[i].detach(), boxes[i].detach(),
                    masks[i].detach() if with_mask else None,
                    int(class_mask[i].sum()), gt, meta, gt_masks)
            cls_targets[i, q_inds, gt.labels[t_inds]] = 1
            matched.append((q_inds, t_inds, gt_masks))
        losses = self._class_loss(cls, cls_targets, class_mask, avg_factor)
        pred_boxes = torch.cat([boxes[i, q] for i, (q, _, _) in
                                enumerate(matched)])
        gt_boxes = torch.cat([
            self._normalised_gt_boxes(gt, meta)[t]
            for (_, t, _), gt, meta in zip(matched, batch_gt_instances,
                                           batch_img_metas)
        ])
        losses.update(self._box_losses(pred_boxes, gt_boxes, avg_factor))
        if with_mask:
            pred_masks = torch.cat([masks[i, q] for i, (q, _, _) in
                                    enumerate(matched)])
            gt_masks = torch.cat([m[t] for _, t, m in matched])
            losses.update(self._mask_losses(pred_masks, gt_masks, avg_factor))
        if with_conf:
            conf_targets = torch.zeros_like(out['conf'])
            for i, (q, _, _) in enumerate(matched):
                conf_targets[i, q] = 1
            losses['loss_conf'] = self.loss_conf(
                out['conf'].reshape(-1, 1), conf_targets.reshape(-1, 1),
                avg_factor=avg_factor)
        return losses

    def _class_loss(self, cls: Tensor, cls_targets: Tensor,
                    class_mask: Tensor,
                    avg_factor: float) -> Dict[str, Tensor]:
        """Classification loss over each image's prompted classes only.

        Args:
            cls (Tensor): (bs, num_queries, K) class logits.
            cls_targets (Tensor): (bs, num_queries, K) 0/1 targets.
            class_mask (Tensor): (bs, K), 1 for the image's prompted classes
                (the padded class slots get weight 0).
            avg_factor (float): Divisor of the summed loss.

        Returns:
            dict: ``loss_cls``.
        """
        num_classes = cls.shape[-1]
        cls_weights = class_mask[:, None, :].expand_as(cls).to(cls.dtype)
        return dict(
            loss_cls=self.loss_cls(
                cls.reshape(-1, num_classes),
                cls_targets.reshape(-1, num_classes),
                cls_weights.reshape(-1, num_classes),
                avg_factor=avg_factor))

    def _box_losses(self, pred_boxes: Tensor, gt_boxes: Tensor,
                    avg_factor: float) -> Dict[str, Tensor]:
        """L1 and GIoU on normalised boxes (GIoU is scale invariant).

        Args:
            pred_boxes (Tensor): (P, 4) normalised (cx, cy, w, h).
            gt_boxes (Tensor): (P, 4) normalised (cx, cy, w, h).
        """
        if len(pred_boxes) == 0:
            zero = pred_boxes.sum() * 0.
            return dict(loss_bbox=zero, loss_iou=zero)
        return dict(
            loss_bbox=self.loss_bbox(
                pred_boxes, gt_boxes, avg_factor=avg_factor),
            loss_iou=self.loss_iou(
                bbox_cxcywh_to_xyxy(pred_boxes),
                bbox_cxcywh_to_xyxy(gt_boxes),
                avg_factor=avg_factor))

    def _mask_losses(self, pred_masks: Tensor, gt_masks: Tensor,
                     avg_factor: float) -> Dict[str, Tensor]:
        """BCE and Dice on points sampled where the prediction is unsure.

        Args:
            pred_masks (Tensor): (P, h, w) logits of the matched queries.
            gt_masks (Tensor): (P, H_pad, W_pad) their targets.
        """
        if len(pred_masks) == 0:
            zero = pred_masks.sum() * 0.
            return dict(loss_mask=zero, loss_dice=zero)
        with torch.no_grad():
            coords = get_uncertain_point_coords_with_randomness(
                pred_masks[:, None], None, self.num_points,
                self.oversample_ratio, self.importance_sample_ratio)
            point_targets = point_sample(gt_masks[:, None],
                                         coords).squeeze(1)
        point_preds = point_sample(pred_masks[:, None], coords).squeeze(1)
        return dict(
            loss_mask=self.loss_mask(
                point_preds.reshape(-1), point_targets.reshape(-1),
                avg_factor=avg_factor * self.num_points),
            loss_dice=self.loss_dice(
                point_preds, point_targets, avg_factor=avg_factor))

    def loss_denoising(self, out: Dict, class_mask: Tensor,
                       batch_gt_instances: List[InstanceData],
                       batch_img_metas: List[dict], dn_meta: Dict,
                       avg_factor: float) -> Dict[str, Tensor]:
        """Class and box losses of the denoising queries.

        In each of the ``G`` groups the first ``T`` queries (``T``: the
        batch's largest target count) reconstruct the targets (positives),
        the next ``T`` are pushed to background (negatives); padded slots of
        images with fewer targets are background too (as mmdet's DINO).
        """
        cls, boxes = out['cls'], out['boxes']
        num_groups = dn_meta['num_denoising_groups']
        group_size = dn_meta['num_denoising_queries'] // num_groups
        max_targets = group_size // 2
        cls_targets = torch.zeros_like(cls)
        pred_boxes, gt_boxes = [], []
        for i, (gt, meta) in enumerate(zip(batch_gt_instances,
                                           batch_img_metas)):
            num_targets = len(gt.labels)
            if num_targets == 0:
                continue
            targets = torch.arange(num_targets, device=cls.device)
            queries = (torch.arange(num_groups, device=cls.device)[:, None] *
                       group_size + targets[None]).flatten()
            targets = targets.repeat(num_groups)
            cls_targets[i, queries, gt.labels[targets]] = 1
            pred_boxes.append(boxes[i, queries])
            gt_boxes.append(self._normalised_gt_boxes(gt, meta)[targets])
        dn_avg = avg_factor * num_groups
        losses = self._class_loss(cls, cls_targets, class_mask, dn_avg)
        if pred_boxes:
            losses.update(self._box_losses(
                torch.cat(pred_boxes), torch.cat(gt_boxes), dn_avg))
        else:
            losses.update(self._box_losses(boxes[:, :0].reshape(0, 4),
                                           boxes[:, :0].reshape(0, 4), 1.))
        return losses

    # ------------------------------------------------------------------ #
    # inference
    # ------------------------------------------------------------------ #
    def predict_by_feat(self,
                        out: Dict,
                        class_mask: Tensor,
                        query_embeds: Tensor,
                        batch_img_metas: List[dict],
                        rescale: bool = True) -> List[InstanceData]:
        """Detections of the last prediction set.

        Scores are the sigmoid of the alignment logits, top-k over
        (query, prompt) pairs; with masks, each score is multiplied by the
        mean mask probability inside the mask (official).

        Args:
            out (dict): Last layer's predictions (matching queries only).
            class_mask (Tensor): (bs, N) bool real prompts.
            query_embeds (Tensor): (bs, Q, C) object embeddings kept per
                query (for tracking).
            batch_img_metas (list[dict]): ``img_shape``,
                ``batch_input_shape``, ``ori_shape``, ``scale_factor``.
            rescale (bool): Boxes and masks in the original image frame.

        Returns:
            list[InstanceData]: Per image ``bboxes`` (K, 4) xyxy, ``scores``
            (K, ), ``labels`` (K, ) indices into the image's prompts,
            ``query_embeds`` (K, C), and ``masks`` (K, H, W) bool when
            masks were predicted.
        """
        max_per_img = self.test_cfg.get('max_per_img', 100)
        results = []
        for i, meta in enumerate(batch_img_metas):
            num_classes = int(class_mask[i].sum())
            scores = out['cls'][i, :, :num_classes].sigmoid()
            k = min(max_per_img, scores.numel())
            top_scores, top_inds = scores.flatten().topk(k)
            results.append(self._instances(
                out, i, top_inds // num_classes, top_inds % num_classes,
                top_scores, query_embeds, meta, rescale, mask_scoring=True))
        return results

    @staticmethod
    def prompt_agreement(masks: Tensor, pos: Tensor, neg: Tensor) -> Tensor:
        """How well each query's mask agrees with its image's prompt.

        The share of the positive prompt region inside the mask times one
        minus the share of the negative region inside it, with the regions
        area-averaged to the mask resolution: 1 for a mask that covers
        every positive pixel (clicks, scribble, box or mask) and no
        negative one, 0 for a mask that misses the positives.

        Args:
            masks (Tensor): (bs, Q, h, w) mask logits (1/4 resolution of
                the padded input).
            pos (Tensor): (bs, H, W) bool positive regions, padded input.
            neg (Tensor): (bs, H, W) bool negative regions.

        Returns:
            Tensor: (bs, Q) agreement in [0, 1].
        """
        inside = (masks > 0).to(masks.dtype)

        def share(region: Tensor) -> Tensor:
            weights = F.adaptive_avg_pool2d(region[:, None].to(masks.dtype),
                                            masks.shape[-2:])
            total = weights.flatten(1).sum(1)[:, None]
            covered = (inside * weights).flatten(2).sum(2)
            return covered / total.clamp(min=1e-6)

        return share(pos) * (1 - share(neg))

    def predict_by_confidence(
            self,
            out: Dict,
            query_embeds: Tensor,
            batch_img_metas: List[dict],
            rescale: bool = True,
            max_per_img: int = 1,
            prompt_regions: Optional[Tuple[Tensor, Tensor]] = None
    ) -> List[InstanceData]:
        """The prompted objects of visual-prompt predictions.

        The queries with the highest confidence (sigmoid of the confidence
        head) are the answer, as in the official visual-prompt inference;
        their score is that confidence, their label 0. With
        ``test_cfg.prompt_selection='agreement'`` the score is the
        confidence times :meth:`prompt_agreement` (not in the official
        model): a small model's confidence head may rank a well-segmented
        *other* object first, and an answer that leaves the positive clicks
        out, or holds a negative one, is not what the user asked for.

        Args:
            out (dict): Last layer's predictions (matching queries only).
            query_embeds (Tensor): (bs, Q, C) object embeddings.
            batch_img_metas (list[dict]): As :meth:`predict_by_feat`.
            rescale (bool): Boxes and masks in the original image frame.
            max_per_img (int): Objects kept per image. Default 1.
            prompt_regions (tuple[Tensor, Tensor], optional): ``pos``,
                ``neg`` (bs, H, W) bool prompt regions (padded input);
                needed by the agreement selection.

        Returns:
            list[InstanceData]: As :meth:`predict_by_feat`.
        """
        conf = out['conf'][..., 0].sigmoid()
        if self.test_cfg.get('prompt_selection') == 'agreement':
            if prompt_regions is None or out['masks'] is None:
                raise ValueError('GLEEHead: the agreement selection needs '
                                 'the prompt regions and mask predictions')
            conf = conf * self.prompt_agreement(out['masks'],
                                                *prompt_regions)
        results = []
        for i, meta in enumerate(batch_img_metas):
            scores, query_inds = conf[i].topk(min(max_per_img, len(conf[i])))
            results.append(self._instances(
                out, i, query_inds, torch.zeros_like(query_inds), scores,
                query_embeds, meta, rescale, mask_scoring=False))
        return results

    def _instances(self, out: Dict, i: int, query_inds: Tensor,
                   labels: Tensor, scores: Tensor, query_embeds: Tensor,
                   meta: dict, rescale: bool,
                   mask_scoring: bool) -> InstanceData:
        """Image ``i``'s detections of the chosen queries: boxes clamped
        to the image, masks thresholded at 0 (scores times the mean mask
        probability inside the mask with ``mask_scoring``), optionally in
        the original image frame."""
        img_h, img_w = meta['img_shape']
        bboxes = self._pixel_boxes(out['boxes'][i, query_inds], meta)
        bboxes[:, 0::2].clamp_(min=0, max=img_w)
        bboxes[:, 1::2].clamp_(min=0, max=img_h)
        result = InstanceData(labels=labels,
                              query_embeds=query_embeds[i, query_inds])
        if out['masks'] is not None:
            masks = self._image_masks(out['masks'][i, query_inds], meta,
                                      rescale)
            binary = masks > 0
            if mask_scoring:
                scores = scores * (masks.sigmoid() * binary).flatten(1).sum(
                    1) / (binary.flatten(1).sum(1) + 1e-6)
            result.masks = binary
        if rescale:
            bboxes /= bboxes.new_tensor(meta['scale_factor']).repeat(1, 2)
        result.bboxes = bboxes
        result.scores = scores
        return result

    @staticmethod
    def _image_masks(masks: Tensor, meta: dict, rescale: bool) -> Tensor:
        """Mask logits (K, h, w) of the padded input -> the image frame."""
        masks = F.interpolate(masks[None], size=meta['batch_input_shape'],
                              mode='bilinear', align_corners=False)
        img_h, img_w = meta['img_shape']
        masks = masks[..., :img_h, :img_w]
        if rescale:
            masks = F.interpolate(masks, size=meta['ori_shape'],
                                  mode='bilinear', align_corners=False)
        return masks[0]
