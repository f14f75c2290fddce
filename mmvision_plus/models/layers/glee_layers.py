"""GLEE's transformer pieces, assembled from mmdet's DINO and GLIP parts.

mmdet 3.3.0 has no MaskDINO; GLEE's object decoder is built here from:

* :class:`GLEEEncoder`: mmdet's ``DeformableDetrTransformerEncoder`` with a
  bi-directional image<->prompt fusion block (mmdet's
  ``SingleScaleBiAttentionBlock``, GLIP style) before its first layer(s), as
  the official ``MSDeformAttnTransformerEncoder`` with ``VLFuse`` layers;
* :class:`GLEEDecoder`: mmdet's ``DinoTransformerDecoder`` whose layers let
  prompt tokens (the tokens of a referring expression; visual prompts
  later) join the queries' self-attention;
* :class:`GLEEDenoisingQueryGenerator`: mmdet's ``CdnQueryGenerator`` with
  one label-embedding table per dataset/task instead of one per model;
* :class:`GLEEPixelEmbedding`: the 1/4-resolution per-pixel embedding map
  that mask embeddings are multiplied with (Mask2Former/MaskDINO's FPN
  stage of the pixel decoder).

The deformable attention of the encoder and decoder layers is built from
the registry (default ``type='MultiScaleDeformableAttention'``, mmcv's), so a
faster drop-in with the same state-dict keys is a config change.
"""
import copy
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmcv.cnn.bricks.transformer import FFN, MultiheadAttention
from mmdet.models.layers import (MLP, CdnQueryGenerator,
                                 DeformableDetrTransformerDecoderLayer,
                                 DeformableDetrTransformerEncoder,
                                 DeformableDetrTransformerEncoderLayer,
                                 DinoTransformerDecoder)
from mmdet.models.utils.vlfuse_helper import SingleScaleBiAttentionBlock
from mmengine.model import BaseModule, ModuleList
from torch import Tensor, nn

from mmvision_plus.registry import MODELS

DEFORMABLE_ATTENTION = 'MultiScaleDeformableAttention'

PromptTokens = Union[Tensor, Sequence[Tensor]]


def build_deformable_attention(cfg: dict) -> nn.Module:
    """Build a deformable attention from the registry.

    Args:
        cfg (dict): Its config; ``type`` defaults to mmcv's
            ``MultiScaleDeformableAttention``.
    """
    cfg = dict(cfg)
    cfg.setdefault('type', DEFORMABLE_ATTENTION)
    return MODELS.build(cfg)


def build_ffn_and_norms(ffn_cfg: dict, norm_cfg: dict, embed_dims: int,
                        num_norms: int) -> Tuple[FFN, ModuleList]:
    """The FFN and the ``num_norms`` norms of a deformable DETR layer, as
    mmdet's deformable layers build them."""
    return FFN(**ffn_cfg), ModuleList([
        build_norm_layer(norm_cfg, embed_dims)[1] for _ in range(num_norms)
    ])


class GLEEEncoderLayer(DeformableDetrTransformerEncoderLayer):
    """mmdet's deformable encoder layer with a registry-built attention
    (post-norm: attention, norm, FFN, norm; the official
    ``MSDeformAttnTransformerEncoderLayer``)."""

    def _init_layers(self) -> None:
        self.self_attn = build_deformable_attention(self.self_attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        self.ffn, self.norms = build_ffn_and_norms(
            self.ffn_cfg, self.norm_cfg, self.embed_dims, 2)


class GLEEEncoder(DeformableDetrTransformerEncoder):
    """Deformable encoder with image<->prompt fusion before its layers.

    .. code:: text

        image tokens (bs, N, C) ---+--> fusion_0 --> layer_0 --> ... --> memory
        prompt tokens (bs, T, C) --+        |
                                   +--------+ (updated prompt tokens go on to
                                              fusion_1; the image tokens are
                                              what GLEE keeps)

    The official encoder clones its ``VLFuse`` block for every layer but
    keeps only the first (``_get_clones_advanced(vl_fusion_layer,
    num_layers, 1)``, the others are ``nn.Identity``): the prompt is fused
    once, before the first layer. ``num_fusion_layers`` sets how many of
    the first layers get a fusion block (official: 1; None: all).

    Args:
        num_layers (int): Encoder layers.
        layer_cfg (dict): :class:`GLEEEncoderLayer` config.
        fusion_layer_cfg (dict, optional): ``SingleScaleBiAttentionBlock``
            config (``v_dim``, ``l_dim``, ``embed_dim``, ``num_heads``,
            ``dropout``, ``init_values``); None: no fusion.
        num_fusion_layers (int, optional): Fusion blocks, before layers
            ``0 .. num_fusion_layers - 1``. Default None: every layer.
        init_cfg (dict, optional): BaseModule init config.
    """

    def __init__(self,
                 num_layers: int,
                 layer_cfg: dict,
                 fusion_layer_cfg: Optional[dict] = None,
                 num_fusion_layers: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        self.fusion_layer_cfg = fusion_layer_cfg
        if num_fusion_layers is None:
            num_fusion_layers = num_layers
        if not 0 <= num_fusion_layers <= num_layers:
            raise ValueError(f'GLEEEncoder: num_fusion_layers must be in '
                             f'[0, {num_layers}], got {num_fusion_layers}')
        self.num_fusion_layers = num_fusion_layers
        super().__init__(
            num_layers=num_layers, layer_cfg=layer_cfg, init_cfg=init_cfg)

    def _init_layers(self) -> None:
        self.layers = ModuleList([
            GLEEEncoderLayer(**copy.deepcopy(self.layer_cfg))
            for _ in range(self.num_layers)
        ])
        self.embed_dims = self.layers[0].embed_dims
        self.fusion_layers = None
        if self.fusion_layer_cfg is not None:
            self.fusion_layers = ModuleList([
                SingleScaleBiAttentionBlock(**self.fusion_layer_cfg)
                for _ in range(self.num_fusion_layers)
            ])

    def forward(self,
                query: Tensor,
                query_pos: Tensor,
                key_padding_mask: Optional[Tensor],
                spatial_shapes: Tensor,
                level_start_index: Tensor,
                valid_ratios: Tensor,
                prompt_feats: Optional[Tensor] = None,
                prompt_mask: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Encode the flattened multi-level image tokens.

        Args:
            query (Tensor): Image tokens, (bs, N, C).
            query_pos (Tensor): Their position + level embeddings, (bs, N, C).
            key_padding_mask (Tensor, optional): (bs, N), True on padding.
            spatial_shapes (Tensor): (num_levels, 2), (h, w) per level.
            level_start_index (Tensor): (num_levels, ).
            valid_ratios (Tensor): (bs, num_levels, 2).
            prompt_feats (Tensor, optional): Prompt tokens for the fusion,
                (bs, T, C_prompt). None skips the fusion.
            prompt_mask (Tensor, optional): (bs, T), True for real tokens.

        Returns:
            Tensor: The memory, (bs, N, C).
        """
        fuse = self.fusion_layers is not None and prompt_feats is not None
        if fuse:
            # BiMultiHeadAttention adds `mask` to the logits after turning
            # 0 into -9e15: a float 1/0 mask (not a bool one) is what works.
            lang_mask = None if prompt_mask is None else \
                prompt_mask.to(query.dtype)
        reference_points = self.get_encoder_reference_points(
            spatial_shapes, valid_ratios, device=query.device)
        for layer_id, layer in enumerate(self.layers):
            if fuse and layer_id < len(self.fusion_layers):
                query, prompt_feats = self.fusion_layers[layer_id](
                    visual_feature=query,
                    lang_feature=prompt_feats,
                    attention_mask_v=key_padding_mask,
                    attention_mask_l=lang_mask)
            query = layer(
                query=query,
                query_pos=query_pos,
                key_padding_mask=key_padding_mask,
                spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=valid_ratios,
                reference_points=reference_points,
                **kwargs)
        return query


class GLEEDecoderLayer(DeformableDetrTransformerDecoderLayer):
    """DINO decoder layer whose self-attention can include prompt tokens.

    With prompt tokens (bs, T, C) the self-attention runs over the queries
    followed by the prompt tokens (positional embedding: the tokens
    themselves, detached), as in the official GLEE for grounding and
    visual prompts: queries do not attend to padded prompt tokens, padded
    prompt tokens do not attend to queries, the denoising mask still holds
    among the queries, and only the queries go on to the cross-attention.

    Args:
        layer_index (int): Position in the decoder; picks the prompt tokens
            when one set per layer is given (``tokens[index % len]``).
        **kwargs: ``DeformableDetrTransformerDecoderLayer`` arguments.
    """

    def __init__(self, layer_index: int = 0, **kwargs) -> None:
        self.layer_index = layer_index
        super().__init__(**kwargs)

    def _init_layers(self) -> None:
        """Self-attention (mmcv), deformable cross-attention (registry),
        FFN, three norms, as mmdet's deformable decoder layer."""
        self.self_attn = MultiheadAttention(**self.self_attn_cfg)
        self.cross_attn = build_deformable_attention(self.cross_attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        self.ffn, self.norms = build_ffn_and_norms(
            self.ffn_cfg, self.norm_cfg, self.embed_dims, 3)

    def _prompt_attention_mask(self, self_attn_mask: Optional[Tensor],
                               prompt_mask: Tensor,
                               num_queries: int) -> Tensor:
        """Self-attention mask over [queries; prompt tokens].

        Returns:
            Tensor: (bs * num_heads, Q + T, Q + T) bool, True = blocked.
        """
        bs, num_tokens = prompt_mask.shape
        size = num_queries + num_tokens
        mask = prompt_mask.new_zeros((bs, size, size))
        if self_attn_mask is not None:
            mask[:, :num_queries, :num_queries] = self_attn_mask
        padded = ~prompt_mask
        mask[:, :num_queries, num_queries:] = padded[:, None, :]
        mask[:, num_queries:, :num_queries] = padded[:, :, None]
        return mask.repeat_interleave(self.self_attn.num_heads, dim=0)

    def forward(self,
                query: Tensor,
                key: Tensor = None,
                value: Tensor = None,
                query_pos: Tensor = None,
                key_pos: Tensor = None,
                self_attn_mask: Tensor = None,
                cross_attn_mask: Tensor = None,
                key_padding_mask: Tensor = None,
                prompt_tokens: Optional[PromptTokens] = None,
                prompt_mask: Optional[PromptTokens] = None,
                **kwargs) -> Tensor:
        """Self-attention (+ prompt tokens), deformable cross-attention, FFN.

        Args:
            query (Tensor): (bs, Q, C).
            prompt_tokens (Tensor | Sequence[Tensor], optional): (bs, T, C)
                tokens joining the self-attention, or one such tensor per
                feature level / layer group (``[layer_index % len]`` used).
            prompt_mask (Tensor | Sequence[Tensor], optional): (bs, T) bool,
                True for real tokens; same nesting as ``prompt_tokens``.
            Other arguments: as ``DetrTransformerDecoderLayer.forward``.

        Returns:
            Tensor: (bs, Q, C).
        """
        if prompt_tokens is None:
            return super().forward(
                query, key, value, query_pos, key_pos, self_attn_mask,
                cross_attn_mask, key_padding_mask, **kwargs)
        if not isinstance(prompt_tokens, Tensor):
            prompt_tokens = prompt_tokens[self.layer_index %
                                          len(prompt_tokens)]
            prompt_mask = prompt_mask[self.layer_index % len(prompt_mask)]
        num_queries = query.shape[1]
        tokens = torch.cat([query, prompt_tokens], dim=1)
        pos = torch.cat([query_pos, prompt_tokens.detach()], dim=1)
        attn_mask = self._prompt_attention_mask(self_attn_mask, prompt_mask,
                                                num_queries)
        tokens = self.self_attn(
            query=tokens,
            key=tokens,
            value=tokens,
            query_pos=pos,
            key_pos=pos,
            attn_mask=attn_mask,
            **kwargs)
        query = self.norms[0](tokens[:, :num_queries])
        query = self.cross_attn(
            query=query,
            key=key,
            value=value,
            query_pos=query_pos,
            key_pos=key_pos,
            attn_mask=cross_attn_mask,
            key_padding_mask=key_padding_mask,
            **kwargs)
        query = self.norms[1](query)
        query = self.ffn(query)
        return self.norms[2](query)


class GLEEDecoder(DinoTransformerDecoder):
    """DINO's decoder (box refinement, look-forward-twice references) with
    :class:`GLEEDecoderLayer` layers.

    ``prompt_tokens`` / ``prompt_mask`` keyword arguments of ``forward``
    reach every layer (see :meth:`GLEEDecoderLayer.forward`).

    The reference boxes' sine embedding has 128 features per coordinate
    whatever the width (mmdet's ``coordinate_to_encoding`` default, the
    official ``gen_sineembed_for_position``), so ``ref_point_head`` reads
    4 x 128 features: ``2 * embed_dims`` at the official width 256, and
    narrower models work too.
    """

    def _init_layers(self) -> None:
        if self.post_norm_cfg is not None:
            raise ValueError('GLEEDecoder: no post_norm (set '
                             'post_norm_cfg=None); `norm` follows each layer')
        self.layers = ModuleList([
            GLEEDecoderLayer(layer_index=i, **copy.deepcopy(self.layer_cfg))
            for i in range(self.num_layers)
        ])
        self.embed_dims = self.layers[0].embed_dims
        self.norm = nn.LayerNorm(self.embed_dims)
        self.ref_point_head = MLP(4 * 128, self.embed_dims, self.embed_dims,
                                  2)


class DenoisingTableError(KeyError):
    """A denoising label table that the generator does not have, or a label
    outside its table."""


class GLEEDenoisingQueryGenerator(CdnQueryGenerator):
    """Contrastive denoising queries with one label table per task.

    DINO's (mmdet's ``CdnQueryGenerator``) label noise draws from and embeds
    into a single ``label_embedding`` of ``num_classes`` rows. GLEE trains
    on datasets whose labels are indices into their own prompt lists, so it
    keeps one table per dataset/task (official: ``coco_label_enc`` 80,
    ``obj365_label_enc`` 100 shared by Objects365/LVIS/OpenImages,
    ``grounding_label_enc`` 1, ...). Each call names the table; labels are
    noised within that table's size.

    The official GLEE-Lite uses DN-DETR's positive-only ("standard")
    denoising; this generator keeps mmdet's contrastive version (positive
    and negative query per target and group). Only training differs; the
    tables are the same and load from the official checkpoint.

    Args:
        label_tables (dict[str, int]): Table name -> number of labels.
        embed_dims (int): Query width.
        num_matching_queries (int): Matching queries (after the denoising
            ones), for the attention mask.
        label_noise_scale (float): Label flip probability x 2. Official 0.4.
        box_noise_scale (float): Box noise scale. Official 0.4.
        group_cfg (dict, optional): As mmdet's; official: dynamic groups
            with ``num_dn_queries=100``.
    """

    def __init__(self,
                 label_tables: Dict[str, int],
                 embed_dims: int,
                 num_matching_queries: int,
                 label_noise_scale: float = 0.4,
                 box_noise_scale: float = 0.4,
                 group_cfg: Optional[dict] = None) -> None:
        if not label_tables:
            raise ValueError('GLEEDenoisingQueryGenerator: label_tables is '
                             'empty')
        super().__init__(
            num_classes=1,
            embed_dims=embed_dims,
            num_matching_queries=num_matching_queries,
            label_noise_scale=label_noise_scale,
            box_noise_scale=box_noise_scale,
            group_cfg=group_cfg)
        del self.label_embedding
        self.label_tables = nn.ModuleDict({
            name: nn.Embedding(size, embed_dims)
            for name, size in label_tables.items()
        })
        self._table: Optional[str] = None

    def __call__(self, batch_data_samples: list, table: str) -> tuple:
        """Denoising queries of a batch, labels embedded with ``table``.

        Args:
            batch_data_samples (list[DetDataSample]): With ``gt_instances``
                (``bboxes`` in pixels, xyxy; ``labels``).
            table (str): The label table of the batch's dataset/task.

        Returns:
            tuple: As ``CdnQueryGenerator.__call__``: ``dn_label_query``
            (bs, D, C), ``dn_bbox_query`` (bs, D, 4), ``attn_mask``
            (D + Q, D + Q), ``dn_meta``.

        Raises:
            DenoisingTableError: Unknown table, or a label outside it.
        """
        if table not in self.label_tables:
            raise DenoisingTableError(
                f'no denoising label table {table!r}; the model has '
                f'{sorted(self.label_tables)} (set `dn_table` of the '
                'dataset\'s GLEE prompt transform to one of them)')
        size = self.label_tables[table].num_embeddings
        for sample in batch_data_samples:
            labels = sample.gt_instances.labels
            if len(labels) and int(labels.max()) >= size:
                raise DenoisingTableError(
                    f'label {int(labels.max())} does not fit the '
                    f'denoising table {table!r} of {size} labels (the '
                    'prompt lists more classes than the table holds)')
        self._table = table
        try:
            return super().__call__(batch_data_samples)
        finally:
            self._table = None

    def generate_dn_label_query(self, gt_labels: Tensor,
                                num_groups: int) -> Tensor:
        """Noisy labels (flipped within the active table) and embeddings.

        Args:
            gt_labels (Tensor): (num_target_total, ) labels.
            num_groups (int): Denoising groups.

        Returns:
            Tensor: (num_target_total * num_groups * 2, C).
        """
        table = self.label_tables[self._table]
        labels = gt_labels.repeat(2 * num_groups, 1).view(-1)
        flip = torch.rand_like(labels.float()) < self.label_noise_scale * 0.5
        chosen = torch.nonzero(flip).view(-1)
        new_labels = torch.randint_like(chosen, 0, table.num_embeddings)
        return table(labels.scatter(0, chosen, new_labels))

    def unused_parameter_anchor(self) -> Tensor:
        """A zero that depends on every table, for distributed training.

        DDP needs every parameter in the graph; a batch uses one table.
        """
        return sum(t.weight.sum() for t in self.label_tables.values()) * 0.


class GLEEPixelEmbedding(BaseModule):
    """The per-pixel embedding map masks are read from (1/4 resolution).

    Top-down FPN from the finest encoder level to the high-resolution
    backbone maps, then a 1x1 projection, as the official MaskDINO /
    GLEE pixel decoder (``adapter_k`` / ``layer_k`` / ``mask_features``)
    and mmdet's ``MSDeformAttnPixelDecoder``'s FPN stage; the encoder part
    of that mmdet module lives in :class:`GLEEEncoder` here.

    .. code:: text

        encoder level 0 (s8) --upsample--+
        backbone s4 --lateral 1x1 conv---+--> 3x3 conv --> ... --> 1x1 --> map

    With several high-resolution maps the chain continues through each
    (the official code upsamples the s8 level at every step; with the one
    map of standard backbones both agree).

    Args:
        in_channels (Sequence[int]): Channels of the high-resolution
            backbone maps, finest first (ResNet: ``[256]``, res2).
        embed_dims (int): Encoder width.
        mask_dims (int): Channels of the output map.
        norm_cfg (dict): Norm of the FPN convs. Default GN, 32 groups.
        init_cfg (dict, optional): BaseModule init config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 embed_dims: int = 256,
                 mask_dims: int = 256,
                 norm_cfg: dict = dict(type='GN', num_groups=32),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.lateral_convs = ModuleList()
        self.output_convs = ModuleList()
        for channels in in_channels:
            self.lateral_convs.append(
                ConvModule(channels, embed_dims, 1, bias=False,
                           norm_cfg=norm_cfg, act_cfg=None))
            self.output_convs.append(
                ConvModule(embed_dims, embed_dims, 3, padding=1, bias=False,
                           norm_cfg=norm_cfg, act_cfg=dict(type='ReLU')))
        self.mask_feature = nn.Conv2d(embed_dims, mask_dims, 1)

    def init_weights(self) -> None:
        """Caffe2 Xavier (uniform, a=1) as the official ``c2_xavier_fill``."""
        for conv in [m.conv for m in self.lateral_convs] + \
                [m.conv for m in self.output_convs] + [self.mask_feature]:
            nn.init.kaiming_uniform_(conv.weight, a=1)
            if conv.bias is not None:
                nn.init.zeros_(conv.bias)

    def forward(self, high_res_feats: Sequence[Tensor],
                finest_level: Tensor) -> Tensor:
        """Build the map.

        Args:
            high_res_feats (Sequence[Tensor]): Backbone maps finer than the
                encoder levels, finest first, each (bs, C_i, H_i, W_i).
            finest_level (Tensor): The encoder output's finest level,
                (bs, embed_dims, H, W).

        Returns:
            Tensor: (bs, mask_dims, H_0, W_0), the finest map's size.
        """
        out = finest_level
        for i in reversed(range(len(high_res_feats))):
            lateral = self.lateral_convs[i](high_res_feats[i])
            out = lateral + F.interpolate(
                out, size=lateral.shape[-2:], mode='bilinear',
                align_corners=False)
            out = self.output_convs[i](out)
        return self.mask_feature(out)
