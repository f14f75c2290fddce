"""GLEE: one text-prompted object model for detection, instance
segmentation, open-world segmentation and grounding.

`GLEE: General Object Foundation Model for Images and Videos at Scale
<https://arxiv.org/abs/2312.09158>`_ (Wu et al., CVPR 2024), as an mmdet
``DetectionTransformer``. The official code sits on a vendored detectron2
with a compiled op; this one is assembled from mmdet 3.3.0 / mmcv parts
(DeformableDETR/DINO pipeline, mmcv's deformable attention, GLIP's fusion
block, DINO's denoising, Mask2Former's point-sampled mask losses).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.models.detectors import DeformableDETR
from mmdet.models.detectors.base_detr import DetectionTransformer
from mmdet.models.layers import SinePositionalEncoding
from mmdet.structures import OptSampleList, SampleList
from mmcv.ops import MultiScaleDeformableAttention
from torch import Tensor, nn
from torch.nn.init import normal_

from mmvision_plus.models.layers.glee_layers import (
    GLEEDecoder, GLEEDenoisingQueryGenerator, GLEEEncoder, GLEEPixelEmbedding)
from mmvision_plus.models.layers.glee_visual_prompt import GLEEVisualPrompter
from mmvision_plus.registry import MODELS

# 'interactive': samples prompted with a VisualPrompt (needs a visual_prompter)
GLEE_TASKS = ('det', 'instance', 'open_world', 'grounding', 'interactive')


class PromptError(ValueError):
    """Data samples whose prompts (``text``) or task cannot be used."""


def pad_with_mask(sequences: List[Tensor]) -> Tuple[Tensor, Tensor]:
    """Stack (L_i, D) sequences into (N, max L_i, D) zero-padded, with the
    (N, max L_i) bool mask of the real rows."""
    padded = nn.utils.rnn.pad_sequence(sequences, batch_first=True)
    mask = nn.utils.rnn.pad_sequence(
        [s.new_ones(len(s), dtype=torch.bool) for s in sequences],
        batch_first=True)
    return padded, mask


@MODELS.register_module()
class GLEE(DeformableDETR):
    r"""GLEE on mmdet's ``pre_transformer -> forward_encoder -> pre_decoder
    -> forward_decoder`` pipeline.

    Every data sample carries its prompts in ``metainfo['text']`` (the
    class names of a detection dataset, ``('object',)`` for open-world,
    one expression for grounding), its ``task`` (``det``, ``instance``,
    ``open_world``, ``grounding``) and, for training, the denoising label
    table ``dn_table`` of its dataset (see ``FormatGLEEPrompts``).
    Labels are indices into the sample's prompts, so the vocabulary is
    whatever the prompt lists. A batch holds one task (joint training routes
    whole batches per dataset).

    .. code:: text

      image                                   prompts (names | expression)
        |                                              |
      backbone (+ neck)                         CLIP text encoder
        |  maps s4, s8, s16, s32             token feats (T, D), pooled (N, D)
        |                                              |
      pre_transformer: input_proj (1x1 conv + GN; 3x3/2 extra level)
        |  4 levels s8..s64, sine pos + level embed, flatten
        v                                              |
      forward_encoder: [fusion (image<->prompt)] -> [deformable layer] xN
        |  (fusion before the first k layers; official k = 1)
        |  memory (bs, sum HW, C);  s4 map + finest level -> pixel embedding
        v                                                  (bs, C, H/4, W/4)
      pre_decoder: levels coarse-to-fine (official order); proposals;
        |  class = proposal . prompts, top-K queries (content = memory
        |  feature, box = proposal); + denoising queries (training)
        v
      forward_decoder: [self-attn (+ expression tokens for grounding)
        |  -> deformable cross-attn -> FFN -> box refinement] xL
        v
      head (initial queries + every layer + proposals):
        class = (q W) . prompt,  box = MLP,  mask = MLP(q) . pixel map,
        confidence = MLP;  object embeddings kept per query (tracking)

    Args:
        backbone (dict): Backbone with multi-scale outputs, finest first
            (ResNet: ``out_indices=(0, 1, 2, 3)``).
        neck (dict, optional): A neck between backbone and ``input_proj``
            (``SimpleFPN`` for plain ViTs). Default None.
        input_proj (dict): The per-level projection to the encoder width;
            mmdet's ``ChannelMapper`` (1x1 conv + GN, extra levels by 3x3
            stride-2 conv) over the ``len(in_channels)`` coarsest maps. The
            finer maps feed the pixel embedding.
        pixel_embedding (dict): :class:`GLEEPixelEmbedding` arguments
            (``in_channels`` of the finer maps, ``mask_dims``).
        text_encoder (dict): The prompt encoder (``CLIPTextEncoder``).
        encoder (dict): :class:`GLEEEncoder` arguments.
        decoder (dict): :class:`GLEEDecoder` arguments.
        bbox_head (dict): ``GLEEHead`` config.
        positional_encoding (dict): ``SinePositionalEncoding`` arguments.
        num_queries (int): Object queries. Default 300.
        num_feature_levels (int): Encoder levels. Default 4.
        dn_cfg (dict): :class:`GLEEDenoisingQueryGenerator` arguments
            (``label_tables``, noise scales, ``group_cfg``).
        prompt_token_tasks (Sequence[str]): Tasks whose prompt tokens join
            the decoder's self-attention. Default ``('grounding', )``.
        mask_tasks (Sequence[str]): Tasks that predict masks. Default
            ``('instance', 'open_world', 'grounding', 'interactive')``; in
            training, masks are learnt when the samples also carry GT masks.
        visual_prompter (dict, optional): ``GLEEVisualPrompter`` arguments
            (points, boxes, scribbles, masks as prompts; task
            ``interactive``). Default None: text prompts only.
        train_cfg, test_cfg, data_preprocessor, init_cfg: As mmdet's DETRs.
    """

    def __init__(self,
                 backbone: dict,
                 input_proj: dict,
                 pixel_embedding: dict,
                 text_encoder: dict,
                 encoder: dict,
                 decoder: dict,
                 bbox_head: dict,
                 positional_encoding: dict,
                 dn_cfg: dict,
                 neck: Optional[dict] = None,
                 num_queries: int = 300,
                 num_feature_levels: int = 4,
                 prompt_token_tasks: Sequence[str] = ('grounding', ),
                 mask_tasks: Sequence[str] = ('instance', 'open_world',
                                              'grounding', 'interactive'),
                 visual_prompter: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        # DeformableDETR.__init__ would rewrite bbox_head for per-layer
        # class/box branches; GLEE's head scores against text and shares one
        # box MLP, so only the DetectionTransformer part runs.
        self.with_box_refine = True
        self.as_two_stage = True
        self.num_feature_levels = num_feature_levels
        self.input_proj_cfg = input_proj
        self.pixel_embedding_cfg = pixel_embedding
        self.text_encoder_cfg = text_encoder
        self.dn_cfg = dn_cfg
        self.prompt_token_tasks = tuple(prompt_token_tasks)
        self.mask_tasks = tuple(mask_tasks)
        self.visual_prompter_cfg = visual_prompter
        DetectionTransformer.__init__(
            self,
            backbone=backbone,
            neck=neck,
            encoder=encoder,
            decoder=decoder,
            bbox_head=bbox_head,
            positional_encoding=positional_encoding,
            num_queries=num_queries,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)

    def _init_layers(self) -> None:
        """Build everything but backbone, neck and head."""
        self.positional_encoding = SinePositionalEncoding(
            **self.positional_encoding)
        self.encoder = GLEEEncoder(**self.encoder)
        self.decoder = GLEEDecoder(**self.decoder)
        self.embed_dims = self.encoder.embed_dims
        if self.positional_encoding.num_feats * 2 != self.embed_dims:
            raise ValueError(
                f'GLEE: positional_encoding.num_feats '
                f'({self.positional_encoding.num_feats}) must be half of '
                f'embed_dims ({self.embed_dims})')
        self.level_embed = nn.Parameter(
            torch.Tensor(self.num_feature_levels, self.embed_dims))
        # official `enc_output` / `enc_output_norm`
        self.memory_trans_fc = nn.Linear(self.embed_dims, self.embed_dims)
        self.memory_trans_norm = nn.LayerNorm(self.embed_dims)
        self.input_proj = MODELS.build(self.input_proj_cfg)
        num_levels = len(self.input_proj.convs) + (
            len(self.input_proj.extra_convs) if self.input_proj.extra_convs
            else 0)
        if num_levels != self.num_feature_levels:
            raise ValueError(
                f'GLEE: input_proj gives {num_levels} levels, '
                f'num_feature_levels is {self.num_feature_levels}')
        self.pixel_embedding = GLEEPixelEmbedding(
            embed_dims=self.embed_dims, **self.pixel_embedding_cfg)
        self.text_encoder = MODELS.build(self.text_encoder_cfg)
        self.dn_query_generator = GLEEDenoisingQueryGenerator(
            embed_dims=self.embed_dims,
            num_matching_queries=self.num_queries,
            **self.dn_cfg)
        self.visual_prompter = None
        if self.visual_prompter_cfg is not None:
            self.visual_prompter = GLEEVisualPrompter(
                embed_dims=self.embed_dims, **self.visual_prompter_cfg)

    def init_weights(self) -> None:
        """As DINO: children's own init, then Xavier on the transformer."""
        super(DeformableDETR, self).init_weights()
        for coder in self.encoder, self.decoder:
            for p in coder.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
        for m in self.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        nn.init.xavier_uniform_(self.memory_trans_fc.weight)
        normal_(self.level_embed)

    # ------------------------------------------------------------------ #
    # prompts
    # ------------------------------------------------------------------ #
    def _batch_routing(self, batch_data_samples: SampleList) -> Dict:
        """The batch's task and denoising table (one of each per batch)."""
        tasks, tables = set(), set()
        for sample in batch_data_samples:
            if 'text' not in sample.metainfo:
                raise PromptError(
                    f'data sample {sample.metainfo.get("img_path", "")!r} '
                    "has no 'text' (its prompts): put a GLEE prompt "
                    "transform in the pipeline and 'text', 'task', "
                    "'dn_table' in PackDetInputs' meta_keys")
            task = sample.metainfo.get('task', 'instance')
            if task not in GLEE_TASKS:
                raise PromptError(f'unknown task {task!r}; GLEE tasks are '
                                  f'{GLEE_TASKS}')
            tasks.add(task)
            tables.add(sample.metainfo.get('dn_table'))
        if len(tasks) > 1 or len(tables) > 1:
            raise PromptError(
                f'a batch mixes tasks {sorted(tasks)} / denoising tables '
                f'{sorted(map(str, tables))}; batch per dataset (mmdet\'s '
                'MultiDataAspectRatioBatchSampler)')
        return dict(task=tasks.pop(), dn_table=tables.pop())

    def encode_prompts(self, batch_data_samples: SampleList) -> Dict:
        """Encode the prompts of a batch (each distinct string once).

        Returns:
            dict: ``class_embeds`` (bs, N, D) one embedding per prompt
            (padded to the longest list), ``class_mask`` (bs, N) bool;
            ``fusion_feats`` (bs, T, D) the valid tokens of all of an
            image's prompts concatenated (official early-fusion input),
            ``fusion_mask`` (bs, T) bool; ``task``, ``dn_table``;
            ``loss_distill`` when the text encoder distills.
        """
        routing = self._batch_routing(batch_data_samples)
        texts = [tuple(s.metainfo['text']) for s in batch_data_samples]
        for sample, prompts in zip(batch_data_samples, texts):
            if len(prompts) == 0:
                raise PromptError(
                    'empty prompt list for data sample '
                    f'{sample.metainfo.get("img_path", "")!r}')
        unique = list(dict.fromkeys(t for prompts in texts for t in prompts))
        encoded = self.text_encoder(unique)
        index = {t: i for i, t in enumerate(unique)}
        rows = [torch.tensor([index[t] for t in prompts],
                             device=encoded['pooled'].device)
                for prompts in texts]
        class_embeds, class_mask = pad_with_mask(
            [encoded['pooled'][r] for r in rows])
        fusion_feats, fusion_mask = pad_with_mask(
            [encoded['token_feats'][r][encoded['token_mask'][r]]
             for r in rows])
        prompts = dict(
            class_embeds=class_embeds,
            class_mask=class_mask,
            fusion_feats=fusion_feats,
            fusion_mask=fusion_mask,
            **routing)
        if 'loss_distill' in encoded:
            prompts['loss_distill'] = encoded['loss_distill']
        return prompts

    def encode_visual_prompts(self, batch_inputs: Tensor,
                              batch_data_samples: SampleList, prompts: Dict,
                              visual: Optional[Dict] = None) -> SampleList:
        """Add the batch's visual prompts (if any) to ``prompts``.

        The template tokens join the early-fusion tokens, the prompted
        regions wait for the encoder output (point tokens, see
        :meth:`pre_decoder`), and the task becomes ``interactive`` (the
        confidence head selects and scores). Training batches may become
        visual-prompt batches (``GLEEVisualPrompter.prompt_prob``), with
        the prompted object as the only target.

        Args:
            batch_inputs (Tensor): (bs, 3, H, W).
            batch_data_samples (list[DetDataSample]): The batch.
            prompts (dict): :meth:`encode_prompts` output, updated in place.
            visual (dict, optional): Already encoded visual prompts (e.g.
                of a video's key frame, tokens included) to use as they are.

        Returns:
            list[DetDataSample]: The batch (training visual-prompt batches:
            its samples with the prompted object as the only target).
        """
        if visual is None:
            if self.visual_prompter is None:
                if any('visual_prompt' in s.metainfo
                       for s in batch_data_samples):
                    raise PromptError('visual prompts need a model with a '
                                      'visual_prompter')
                return batch_data_samples
            visual = self.visual_prompter.encode(
                batch_inputs, batch_data_samples, prompts['task'],
                self.extract_feat)
            if visual is None:
                return batch_data_samples
            batch_data_samples = visual['data_samples']
        template = visual['template_tokens']
        prompts['fusion_feats'] = torch.cat(
            [prompts['fusion_feats'], template], dim=1)
        prompts['fusion_mask'] = torch.cat([
            prompts['fusion_mask'],
            prompts['fusion_mask'].new_ones(template.shape[:2])
        ], dim=1)
        prompts['visual'] = visual
        prompts['task'] = 'interactive'
        return batch_data_samples

    # ------------------------------------------------------------------ #
    # pipeline
    # ------------------------------------------------------------------ #
    def forward_transformer(self, img_feats: Tuple[Tensor],
                            batch_data_samples: SampleList,
                            prompts: Dict) -> Dict:
        """``pre_transformer -> forward_encoder -> pre_decoder ->
        forward_decoder`` with the prompts threaded through.

        Returns:
            dict: Head inputs: ``hidden_states``, ``references``,
            ``query_init``, ``mask_features``, ``dn_meta`` and (training)
            ``enc_outputs``.
        """
        encoder_inputs, decoder_inputs = self.pre_transformer(
            img_feats, batch_data_samples, prompts)
        encoder_outputs = self.forward_encoder(**encoder_inputs)
        decoder_extra, head_inputs = self.pre_decoder(
            **encoder_outputs,
            batch_data_samples=batch_data_samples,
            prompts=prompts)
        decoder_inputs.update(decoder_extra)
        head_inputs.update(self.forward_decoder(**decoder_inputs))
        return head_inputs

    def pre_transformer(self, img_feats: Tuple[Tensor],
                        batch_data_samples: SampleList,
                        prompts: Dict) -> Tuple[Dict, Dict]:
        """Project the coarse maps to encoder levels, flatten, add position.

        Args:
            img_feats (tuple[Tensor]): Backbone (+ neck) maps, finest first.
            batch_data_samples (list[DetDataSample]): For padding masks.
            prompts (dict): :meth:`encode_prompts` output.

        Returns:
            tuple[dict, dict]: Encoder inputs (DeformableDETR's, plus the
            prompt tokens for fusion and the finer maps for the pixel
            embedding) and decoder inputs.
        """
        num_coarse = len(self.input_proj.convs)
        if len(img_feats) <= num_coarse:
            raise ValueError(
                f'GLEE: {len(img_feats)} feature maps, but input_proj takes '
                f'the {num_coarse} coarsest and the pixel embedding needs at '
                'least one finer map (backbone out_indices?)')
        mlvl_feats = self.input_proj(img_feats[-num_coarse:])
        encoder_inputs, decoder_inputs = super().pre_transformer(
            mlvl_feats, batch_data_samples)
        encoder_inputs.update(
            prompt_feats=prompts['fusion_feats'],
            prompt_mask=prompts['fusion_mask'],
            high_res_feats=img_feats[:-num_coarse],
            with_mask=self._with_mask(batch_data_samples, prompts['task']))
        return encoder_inputs, decoder_inputs

    def _with_mask(self, batch_data_samples: SampleList, task: str) -> bool:
        """Masks for this batch: a mask task, and in training GT masks."""
        if task not in self.mask_tasks:
            return False
        if self.training:
            return all('masks' in s.gt_instances for s in batch_data_samples)
        return True

    def forward_encoder(self, feat: Tensor, feat_mask: Tensor,
                        feat_pos: Tensor, spatial_shapes: Tensor,
                        level_start_index: Tensor, valid_ratios: Tensor,
                        prompt_feats: Tensor, prompt_mask: Tensor,
                        high_res_feats: Sequence[Tensor],
                        with_mask: bool) -> Dict:
        """Fusion + deformable encoder, then the pixel-embedding map.

        Returns:
            dict: ``memory`` (bs, sum HW, C), ``memory_mask``,
            ``spatial_shapes``, ``level_start_index``, ``valid_ratios`` and
            ``mask_features`` (bs, mask_dims, H/4, W/4) or None.
        """
        memory = self.encoder(
            query=feat,
            query_pos=feat_pos,
            key_padding_mask=feat_mask,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=valid_ratios,
            prompt_feats=prompt_feats,
            prompt_mask=prompt_mask)
        mask_features = None
        if with_mask:
            h, w = (int(x) for x in spatial_shapes[0])
            finest = memory[:, :h * w].transpose(1, 2).reshape(
                memory.shape[0], -1, h, w)
            mask_features = self.pixel_embedding(high_res_feats, finest)
        return dict(
            memory=memory,
            memory_mask=feat_mask,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=valid_ratios,
            mask_features=mask_features)

    @staticmethod
    def coarse_to_fine(memory: Tensor, memory_mask: Optional[Tensor],
                       spatial_shapes: Tensor,
                       valid_ratios: Tensor) -> Tuple[Tensor, ...]:
        """Reverse the level order of the encoder output.

        The official MaskDINO / GLEE decoder reads the encoder's levels
        coarsest first (its deformable attention's level axis and the
        proposals' default box sizes follow that order); keeping it lets
        official weights load unchanged.

        Returns:
            tuple: ``memory``, ``memory_mask``, ``spatial_shapes``,
            ``level_start_index``, ``valid_ratios`` in the reversed order.
        """
        sizes = (spatial_shapes[:, 0] * spatial_shapes[:, 1]).tolist()
        memory = torch.cat(memory.split(sizes, dim=1)[::-1], dim=1)
        if memory_mask is not None:
            memory_mask = torch.cat(memory_mask.split(sizes, dim=1)[::-1],
                                    dim=1)
        spatial_shapes = spatial_shapes.flip(0)
        level_sizes = spatial_shapes.prod(1)
        level_start_index = torch.cat(
            (level_sizes.new_zeros((1, )), level_sizes.cumsum(0)[:-1]))
        return (memory, memory_mask, spatial_shapes, level_start_index,
                valid_ratios.flip(1))

    def pre_decoder(self, memory: Tensor, memory_mask: Optional[Tensor],
                    spatial_shapes: Tensor, level_start_index: Tensor,
                    valid_ratios: Tensor, mask_features: Optional[Tensor],
                    batch_data_samples: SampleList,
                    prompts: Dict) -> Tuple[Dict, Dict]:
        """Two-stage query selection (+ denoising queries in training).

        Returns:
            tuple[dict, dict]: Decoder inputs (``query`` (bs, D+Q, C),
            ``reference_points`` (bs, D+Q, 4) sigmoid, ``dn_mask``, the
            reordered memory and its metadata, prompt tokens for the
            self-attention) and head inputs (``mask_features``,
            ``dn_meta``, ``enc_outputs`` in training).
        """
        (memory, memory_mask, spatial_shapes, level_start_index,
         valid_ratios) = self.coarse_to_fine(memory, memory_mask,
                                             spatial_shapes, valid_ratios)
        head = self.bbox_head
        class_embeds, class_mask = prompts['class_embeds'], prompts[
            'class_mask']
        output_memory, output_proposals = self.gen_encoder_output_proposals(
            memory, memory_mask, spatial_shapes)
        if 'visual' in prompts:  # official: proposals by confidence
            enc_scores = head.confidence_head(output_memory)[..., 0]
        else:
            enc_scores = head.class_logits(output_memory, class_embeds)
            enc_scores = enc_scores.masked_fill(~class_mask[:, None, :],
                                                float('-inf')).max(-1)[0]
        topk_indices = torch.topk(enc_scores, k=self.num_queries, dim=1)[1]
        enc_coords_unact = head.box_head(output_memory) + output_proposals
        topk_coords_unact = torch.gather(
            enc_coords_unact, 1, topk_indices.unsqueeze(-1).repeat(1, 1, 4))
        topk_query = torch.gather(
            output_memory, 1,
            topk_indices.unsqueeze(-1).repeat(1, 1, self.embed_dims))
        head_inputs = dict(mask_features=mask_features, dn_meta=None)
        if self.training:
            head_inputs['enc_outputs'] = head.forward_layer(
                self.decoder.norm(topk_query), topk_coords_unact.sigmoid(),
                class_embeds, mask_features)
        query = topk_query.detach()
        reference_points = topk_coords_unact.detach()
        dn_mask = None
        if self.training:
            dn_label_query, dn_bbox_query, dn_mask, dn_meta = \
                self.dn_query_generator(batch_data_samples,
                                        prompts['dn_table'])
            query = torch.cat([dn_label_query, query], dim=1)
            reference_points = torch.cat([dn_bbox_query, reference_points],
                                         dim=1)
            head_inputs['dn_meta'] = dn_meta
            # every label table in the graph (DDP), whichever this batch uses
            query = query + self.dn_query_generator.unused_parameter_anchor()
        decoder_inputs = dict(
            query=query,
            memory=memory,
            memory_mask=memory_mask,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=valid_ratios,
            reference_points=reference_points.sigmoid(),
            dn_mask=dn_mask,
            prompt_tokens=None,
            prompt_mask=None)
        if 'visual' in prompts:
            decoder_inputs.update(self._visual_point_tokens(
                prompts['visual'], memory, spatial_shapes))
        elif prompts['task'] in self.prompt_token_tasks:
            decoder_inputs.update(
                prompt_tokens=prompts['fusion_feats'],
                prompt_mask=prompts['fusion_mask'])
        return decoder_inputs, head_inputs

    def _visual_point_tokens(self, visual: Dict, memory: Tensor,
                             spatial_shapes: Tensor) -> Dict:
        """The visual prompts' point tokens, one set per level, from this
        batch's encoder levels (coarsest first) unless ``visual`` already
        holds them (stored there for reuse, e.g. on later video frames)."""
        if visual['point_tokens'] is None:
            sizes = (spatial_shapes[:, 0] * spatial_shapes[:, 1]).tolist()
            maps = [
                level.transpose(1, 2).reshape(
                    memory.shape[0], -1, int(h), int(w))
                for level, (h, w) in zip(memory.split(sizes, dim=1),
                                         spatial_shapes.tolist())
            ]
            visual['point_tokens'], visual['point_masks'] = \
                self.visual_prompter.point_tokens(maps, visual['pos'],
                                                  visual['neg'])
        return dict(prompt_tokens=visual['point_tokens'],
                    prompt_mask=visual['point_masks'])

    def forward_decoder(self, query: Tensor, memory: Tensor,
                        memory_mask: Optional[Tensor],
                        reference_points: Tensor, spatial_shapes: Tensor,
                        level_start_index: Tensor, valid_ratios: Tensor,
                        dn_mask: Optional[Tensor],
                        prompt_tokens: Optional[Tensor],
                        prompt_mask: Optional[Tensor]) -> Dict:
        """The decoder, refining boxes with the head's shared box MLP.

        Returns:
            dict: ``hidden_states`` (L, bs, D+Q, C) layer outputs (after the
            decoder norm), ``references`` (L + 1 of (bs, D+Q, 4)) and
            ``query_init`` (bs, D+Q, C).
        """
        box_heads = [self.bbox_head.box_head] * self.decoder.num_layers
        hidden_states, references = self.decoder(
            query=query,
            value=memory,
            key_padding_mask=memory_mask,
            self_attn_mask=dn_mask,
            reference_points=reference_points,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=valid_ratios,
            reg_branches=box_heads,
            prompt_tokens=prompt_tokens,
            prompt_mask=prompt_mask)
        return dict(
            hidden_states=hidden_states,
            references=list(references),
            query_init=query)

    # ------------------------------------------------------------------ #
    # entry points
    # ------------------------------------------------------------------ #
    def loss(self, batch_inputs: Tensor,
             batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of a batch (one task).

        Returns:
            dict[str, Tensor]: The head's losses (see
            ``GLEEHead.loss_by_feat``) and ``loss_distill`` when the text
            encoder distills.
        """
        return self.loss_and_outputs(batch_inputs, batch_data_samples)[0]

    def loss_and_outputs(self,
                         batch_inputs: Tensor,
                         batch_data_samples: SampleList,
                         visual_prompts: bool = True) -> Tuple[Dict, Dict]:
        """Losses of a batch and what they were computed from.

        Args:
            batch_inputs (Tensor): (bs, 3, H, W).
            batch_data_samples (list[DetDataSample]): With GT and prompts.
            visual_prompts (bool): Let the visual prompter turn the batch
                into a visual-prompt batch (video batches keep their
                targets: False).

        Returns:
            tuple[dict, dict]: The losses (see :meth:`loss`), and
            ``layer_outputs`` (``GLEEHead.forward``), ``head_inputs``
            (:meth:`forward_transformer`), ``prompts`` and the
            ``data_samples`` the losses used.
        """
        img_feats = self.extract_feat(batch_inputs)
        prompts = self.encode_prompts(batch_data_samples)
        if visual_prompts:
            batch_data_samples = self.encode_visual_prompts(
                batch_inputs, batch_data_samples, prompts)
        head_inputs = self.forward_transformer(img_feats, batch_data_samples,
                                               prompts)
        dn_meta = head_inputs['dn_meta']
        layer_outputs = self.bbox_head(
            hidden_states=head_inputs['hidden_states'],
            references=head_inputs['references'],
            query_init=head_inputs['query_init'],
            query_norm=self.decoder.norm,
            class_embeds=prompts['class_embeds'],
            mask_features=head_inputs['mask_features'],
            num_denoising=dn_meta['num_denoising_queries'] if dn_meta else 0)
        losses = self.bbox_head.loss_by_feat(
            layer_outputs,
            head_inputs['enc_outputs'],
            prompts['class_mask'],
            [s.gt_instances for s in batch_data_samples],
            [s.metainfo for s in batch_data_samples],
            dn_meta=dn_meta,
            task=prompts['task'],
            with_mask=head_inputs['mask_features'] is not None)
        if 'loss_distill' in prompts:
            losses['loss_distill'] = prompts['loss_distill']
        return losses, dict(layer_outputs=layer_outputs,
                            head_inputs=head_inputs, prompts=prompts,
                            data_samples=batch_data_samples)

    def forward_last_layer(self,
                           batch_inputs: Tensor,
                           batch_data_samples: SampleList,
                           visual: Optional[Dict] = None) -> Tuple[Dict]:
        """Image + prompts -> predictions of the last decoder layer.

        Args:
            batch_inputs (Tensor): (bs, 3, H, W).
            batch_data_samples (list[DetDataSample]): With the prompts.
            visual (dict, optional): Encoded visual prompts to use (see
                :meth:`encode_visual_prompts`).

        Returns:
            tuple[dict, dict, Tensor]: The predictions (see
            ``GLEEHead.forward_layer``), the prompts, and the object
            embeddings (bs, Q, C) kept per query: the last layer's output
            (the tracking embedding of the official code).
        """
        img_feats = self.extract_feat(batch_inputs)
        prompts = self.encode_prompts(batch_data_samples)
        self.encode_visual_prompts(batch_inputs, batch_data_samples, prompts,
                                   visual)
        head_inputs = self.forward_transformer(img_feats, batch_data_samples,
                                               prompts)
        states = head_inputs['hidden_states'][-1]
        boxes = self.bbox_head.refine_boxes(states,
                                            head_inputs['references'][-2])
        out = self.bbox_head.forward_layer(
            self.decoder.norm(states), boxes, prompts['class_embeds'],
            head_inputs['mask_features'])
        return out, prompts, states

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Detections (+ masks for mask tasks) for the samples' prompts.

        Returns:
            list[DetDataSample]: ``pred_instances`` with ``bboxes``,
            ``scores``, ``labels`` (indices into the sample's ``text``),
            ``query_embeds`` and, for mask tasks, ``masks``; for visual
            prompts the prompted object (highest confidence), label 0.
        """
        out, prompts, query_embeds = self.forward_last_layer(
            batch_inputs, batch_data_samples)
        metas = [s.metainfo for s in batch_data_samples]
        if 'visual' in prompts:
            visual = prompts['visual']
            results = self.bbox_head.predict_by_confidence(
                out, query_embeds, metas, rescale=rescale,
                prompt_regions=(visual['pos'], visual['neg']))
        else:
            results = self.bbox_head.predict_by_feat(
                out, prompts['class_mask'], query_embeds, metas,
                rescale=rescale)
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _forward(self, batch_inputs: Tensor,
                 batch_data_samples: OptSampleList = None) -> Tuple[Tensor]:
        """Raw last-layer outputs (class logits, boxes, masks or None)."""
        out, _, _ = self.forward_last_layer(batch_inputs, batch_data_samples)
        return out['cls'], out['boxes'], out['masks']
