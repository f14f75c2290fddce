"""Convert an official GLEE checkpoint (detectron2 layout) to mmvision_plus.

Works for GLEE-Lite (ResNet-50, detectron2 ``build_resnet_backbone``) image
checkpoints, e.g. ``GLEE_Lite_joint.pth`` / ``GLEE_Lite_scaleup.pth``; the
transformer, heads and text tower are the same in GLEE-Plus / Pro, whose
Swin / EVA02 backbones are left untouched (``--keep-backbone`` keeps them
under ``backbone.`` with their official names; map them with the
backbone's own converter).

Every tensor of the official state dict is either mapped or listed as
deliberately dropped; anything else stops the conversion with its name.

Mapping (official, under ``glee.`` -> ours)::

  backbone.stem.conv1.weight              backbone.conv1.weight
  backbone.stem.conv1.norm.*              backbone.bn1.*
  backbone.res{s}.{b}.conv{k}.weight      backbone.layer{s-1}.{b}.conv{k}.weight
  backbone.res{s}.{b}.conv{k}.norm.*      backbone.layer{s-1}.{b}.bn{k}.*
  backbone.res{s}.{b}.shortcut.weight     backbone.layer{s-1}.{b}.downsample.0.weight
  backbone.res{s}.{b}.shortcut.norm.*     backbone.layer{s-1}.{b}.downsample.1.*
  pixel_decoder.input_proj.{i}.0.*        input_proj.convs.{i}.conv.*  (i < 3)
  pixel_decoder.input_proj.3.0.*          input_proj.extra_convs.0.conv.*
  pixel_decoder.input_proj.{i}.1.*        ... .gn.*
  pixel_decoder.transformer.level_embed   level_embed
  pixel_decoder.transformer.encoder.layers.{n}.self_attn.*
                                          encoder.layers.{n}.self_attn.*
      .norm1 / .linear1 / .linear2 / .norm2
                                          .norms.0 / .ffn.layers.0.0 / .ffn.layers.1 / .norms.1
  pixel_decoder.transformer.encoder.vl_layers.{n}.b_attn.*
                                          encoder.fusion_layers.{n}.*
  pixel_decoder.adapter_1.weight / .norm.*
                                          pixel_embedding.lateral_convs.0.conv.weight / .gn.*
  pixel_decoder.layer_1.weight / .norm.*  pixel_embedding.output_convs.0.conv.weight / .gn.*
  pixel_decoder.mask_features.*           pixel_embedding.mask_feature.*
  predictor.enc_output / enc_output_norm  memory_trans_fc / memory_trans_norm
  predictor.decoder_norm                  decoder.norm
  predictor.decoder.layers.{n}.self_attn.in_proj_* / out_proj.*
                                          decoder.layers.{n}.self_attn.attn.in_proj_* / out_proj.*
      .cross_attn.*                       .cross_attn.*
      .norm2 / .norm1 / .norm3            .norms.0 / .norms.1 / .norms.2
      .linear1 / .linear2                 .ffn.layers.0.0 / .ffn.layers.1
  predictor.decoder.ref_point_head.*      decoder.ref_point_head.*
  predictor._bbox_embed.*                 bbox_head.box_head.*
  predictor.mask_embed.*                  bbox_head.mask_head.*
  predictor.confidence_score.*            bbox_head.confidence_head.*
  predictor.category_embed                bbox_head.class_projection
  predictor.{table}_label_enc.weight / bdd_det / bdd_inst
                                          dn_query_generator.label_tables.{table}.weight
  text_encoder.text_model.*               text_encoder.clip.text_model.*
  text_encoder_teacher.text_model.*       text_encoder.teacher.text_model.*
  lang_projection                         text_encoder.lang_projection
  sot_fuser.refine.{i}.*                  visual_prompter.template_convs.{i}.*
  mask_sptial_embed.{i}                   visual_prompter.spatial_embeds.{i}
  pn_indicator.weight                     visual_prompter.pn_indicator.weight

Deliberately dropped:

* ``predictor.decoder.norm.*``, ``predictor.bbox_embed.{n}.*``,
  ``predictor.decoder.bbox_embed.{n}.*``: the same modules as
  ``predictor.decoder_norm`` / ``predictor._bbox_embed`` registered again
  (checked equal before dropping);
* with ``--no-visual-prompter``: ``sot_fuser.*``, ``mask_sptial_embed.{n}``,
  ``pn_indicator.weight``, the visual-prompt encoder (template fuser,
  per-level point embeddings, positive/negative indicator), for models
  without a ``visual_prompter`` (text prompts only);
* ``criterion.empty_weight``: the no-object weight of a softmax loss GLEE
  does not use (its class loss is a sigmoid focal loss);
* ``*.embeddings.position_ids``: a constant buffer of older Hugging Face
  versions;
* ``text_encoder_teacher.*`` with ``--no-teacher`` (models whose text
  encoder is ``frozen`` / ``trainable`` have no teacher).

Added: ``num_batches_tracked`` (0) for the backbone's BN layers, which
detectron2's FrozenBN does not have.

Usage (the output is written atomically)::

    python tools/model_converters/glee2mmvp.py GLEE_Lite_joint.pth \\
        checkpoints/glee-lite_r50_mmvp.pth
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
from torch import Tensor

from mmvision_plus.utils.converter_cli import run_converter, save_converted

LABEL_TABLES = {
    'coco_label_enc': 'coco',
    'obj365_label_enc': 'obj365',
    'vg_label_enc': 'vg',
    'grounding_label_enc': 'grounding',
    'ytvis19_label_enc': 'ytvis19',
    'ytvis21_label_enc': 'ytvis21',
    'ovis_label_enc': 'ovis',
    'uvo_label_enc': 'uvo',
    'bdd_det': 'bdd_det',
    'bdd_inst': 'bdd_inst',
}
FFN_PARTS = {'linear1': 'ffn.layers.0.0', 'linear2': 'ffn.layers.1'}


def _layer_rules(official: str, ours: str,
                 parts: Dict[str, str]) -> List[Tuple[str, str]]:
    """Rules mapping ``{official}.layers.{n}.{part}.*`` to
    ``{ours}.layers.{n}.{parts[part]}.*``."""
    prefix = re.escape(official)
    return [(rf'^{prefix}\.layers\.(\d+)\.{part}\.(.+)$',
             rf'{ours}.layers.\1.{our_part}.\2')
            for part, our_part in parts.items()]


# (official pattern, our replacement); first match wins
RULES: List[Tuple[str, str]] = [
    # backbone (detectron2 ResNet -> mmdet ResNet)
    (r'^backbone\.stem\.conv1\.weight$', 'backbone.conv1.weight'),
    (r'^backbone\.stem\.conv1\.norm\.(.+)$', r'backbone.bn1.\1'),
    (r'^backbone\.res(\d)\.(\d+)\.conv(\d)\.weight$',
     lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.conv{m[3]}.weight'),
    (r'^backbone\.res(\d)\.(\d+)\.conv(\d)\.norm\.(.+)$',
     lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.bn{m[3]}.{m[4]}'),
    (r'^backbone\.res(\d)\.(\d+)\.shortcut\.weight$',
     lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.downsample.0.weight'),
    (r'^backbone\.res(\d)\.(\d+)\.shortcut\.norm\.(.+)$',
     lambda m: f'backbone.layer{int(m[1]) - 1}.{m[2]}.downsample.1.{m[3]}'),
    # pixel decoder: input projection, encoder, fusion, pixel embedding
    (r'^pixel_decoder\.input_proj\.3\.0\.(.+)$',
     r'input_proj.extra_convs.0.conv.\1'),
    (r'^pixel_decoder\.input_proj\.3\.1\.(.+)$',
     r'input_proj.extra_convs.0.gn.\1'),
    (r'^pixel_decoder\.input_proj\.([0-2])\.0\.(.+)$',
     r'input_proj.convs.\1.conv.\2'),
    (r'^pixel_decoder\.input_proj\.([0-2])\.1\.(.+)$',
     r'input_proj.convs.\1.gn.\2'),
    (r'^pixel_decoder\.transformer\.level_embed$', 'level_embed'),
    *_layer_rules('pixel_decoder.transformer.encoder', 'encoder',
                  dict(self_attn='self_attn', norm1='norms.0',
                       norm2='norms.1', **FFN_PARTS)),
    (r'^pixel_decoder\.transformer\.encoder\.vl_layers\.(\d+)\.b_attn\.(.+)$',
     r'encoder.fusion_layers.\1.\2'),
    (r'^pixel_decoder\.adapter_1\.weight$',
     'pixel_embedding.lateral_convs.0.conv.weight'),
    (r'^pixel_decoder\.adapter_1\.norm\.(.+)$',
     r'pixel_embedding.lateral_convs.0.gn.\1'),
    (r'^pixel_decoder\.layer_1\.weight$',
     'pixel_embedding.output_convs.0.conv.weight'),
    (r'^pixel_decoder\.layer_1\.norm\.(.+)$',
     r'pixel_embedding.output_convs.0.gn.\1'),
    (r'^pixel_decoder\.mask_features\.(.+)$',
     r'pixel_embedding.mask_feature.\1'),
    # object decoder
    (r'^predictor\.enc_output\.(.+)$', r'memory_trans_fc.\1'),
    (r'^predictor\.enc_output_norm\.(.+)$', r'memory_trans_norm.\1'),
    (r'^predictor\.decoder_norm\.(.+)$', r'decoder.norm.\1'),
    (r'^predictor\.decoder\.layers\.(\d+)\.self_attn\.'
     r'(in_proj_.+|out_proj\..+)$', r'decoder.layers.\1.self_attn.attn.\2'),
    *_layer_rules('predictor.decoder', 'decoder',
                  dict(cross_attn='cross_attn', norm2='norms.0',
                       norm1='norms.1', norm3='norms.2', **FFN_PARTS)),
    (r'^predictor\.decoder\.ref_point_head\.(.+)$',
     r'decoder.ref_point_head.\1'),
    (r'^predictor\._bbox_embed\.(.+)$', r'bbox_head.box_head.\1'),
    (r'^predictor\.mask_embed\.(.+)$', r'bbox_head.mask_head.\1'),
    (r'^predictor\.confidence_score\.(.+)$', r'bbox_head.confidence_head.\1'),
    (r'^predictor\.category_embed$', 'bbox_head.class_projection'),
    (r'^predictor\.(' + '|'.join(LABEL_TABLES) + r')\.weight$',
     lambda m: f'dn_query_generator.label_tables.{LABEL_TABLES[m[1]]}.weight'),
    # text tower
    (r'^text_encoder\.text_model\.(.+)$', r'text_encoder.clip.text_model.\1'),
    (r'^text_encoder_teacher\.text_model\.(.+)$',
     r'text_encoder.teacher.text_model.\1'),
    (r'^lang_projection$', 'text_encoder.lang_projection'),
    # visual prompter
    (r'^sot_fuser\.refine\.(\d+)\.(.+)$',
     r'visual_prompter.template_convs.\1.\2'),
    (r'^mask_sptial_embed\.(\d+)$', r'visual_prompter.spatial_embeds.\1'),
    (r'^pn_indicator\.weight$', 'visual_prompter.pn_indicator.weight'),
]
VISUAL_PROMPTER = r'^(sot_fuser\.|mask_sptial_embed\.|pn_indicator\.)'
# registered twice in the official model: dropped once checked equal to
DUPLICATES: List[Tuple[str, str]] = [
    (r'^predictor\.decoder\.norm\.(.+)$', r'predictor.decoder_norm.\1'),
    (r'^predictor\.bbox_embed\.\d+\.(.+)$', r'predictor._bbox_embed.\1'),
    (r'^predictor\.decoder\.bbox_embed\.\d+\.(.+)$',
     r'predictor._bbox_embed.\1'),
]
DROPPED = [
    r'^criterion\.empty_weight$',
    r'\.embeddings\.position_ids$',
]


class GLEECheckpointError(ValueError):
    """An official checkpoint the converter cannot account for."""


def _apply(rules, key: str):
    for pattern, repl in rules:
        match = re.match(pattern, key)
        if match:
            return repl(match) if callable(repl) else match.expand(repl)
    return None


def official_state_dict(checkpoint: dict) -> Dict[str, Tensor]:
    """The model tensors of an official checkpoint, ``glee.`` stripped.

    detectron2 saves ``{'model': state_dict, ...}``; the GLEE meta
    architecture holds the network as ``glee`` and the loss as
    ``criterion``.
    """
    state_dict = checkpoint.get('model', checkpoint)
    if not isinstance(state_dict, dict) or not state_dict:
        raise GLEECheckpointError('no state dict in the checkpoint')
    out = OrderedDict()
    for key, value in state_dict.items():
        out[key[len('glee.'):] if key.startswith('glee.') else key] = value
    return out


def convert(state_dict: Dict[str, Tensor],
            keep_teacher: bool = True,
            keep_backbone: bool = False,
            keep_visual_prompter: bool = True
            ) -> Tuple[OrderedDict, List[str]]:
    """Map an official GLEE state dict to mmvision_plus keys.

    Args:
        state_dict (dict): :func:`official_state_dict` output.
        keep_teacher (bool): Keep the distillation teacher of the text
            encoder (for ``mode='distill'`` models).
        keep_backbone (bool): Keep non-ResNet backbone tensors unmapped
            under ``backbone.`` (Swin / EVA02 of GLEE-Plus / Pro).
        keep_visual_prompter (bool): Map the visual-prompt encoder (for
            models with a ``visual_prompter``); False drops it.

    Returns:
        tuple[OrderedDict, list[str]]: Our state dict, and the dropped
        official keys.

    Raises:
        GLEECheckpointError: A tensor neither mapped nor known to drop, or
            a duplicate that differs from the tensor it duplicates.
    """
    out, dropped, unknown = OrderedDict(), [], []
    for key, value in state_dict.items():
        original = _apply(DUPLICATES, key)
        if original is not None:
            if original not in state_dict or not torch.equal(
                    value, state_dict[original]):
                raise GLEECheckpointError(
                    f'{key} should duplicate {original} but differs')
            dropped.append(key)
            continue
        if any(re.search(p, key) for p in DROPPED) or (
                not keep_teacher and key.startswith('text_encoder_teacher.')
        ) or (not keep_visual_prompter and re.match(VISUAL_PROMPTER, key)):
            dropped.append(key)
            continue
        new_key = _apply(RULES, key)
        if new_key is None and keep_backbone and key.startswith('backbone.'):
            new_key = key
        if new_key is None:
            unknown.append(key)
            continue
        out[new_key] = value
    if unknown:
        raise GLEECheckpointError(
            f'{len(unknown)} official tensors have no mapping: '
            f'{unknown[:10]}{"..." if len(unknown) > 10 else ""}')
    for key in list(out):
        match = re.match(
            r'^(backbone\..*(?:bn\d|downsample\.1))\.running_var$', key)
        if match:
            out.setdefault(match[1] + '.num_batches_tracked',
                           torch.tensor(0, dtype=torch.long))
    return out, dropped


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of this converter."""
    parser.add_argument(
        '--no-teacher', action='store_true',
        help='drop the text teacher (text encoder not in distill mode)')
    parser.add_argument(
        '--keep-backbone', action='store_true',
        help='keep non-ResNet backbone tensors unmapped under backbone.')
    parser.add_argument(
        '--no-visual-prompter', action='store_true',
        help='drop the visual-prompt encoder (models with text prompts '
        'only)')


def convert_file(args: argparse.Namespace) -> str:
    """Convert ``args.src`` into ``args.dst``; the summary to print."""
    # official checkpoints hold detectron2 metadata (iteration, ...)
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=False)
    state_dict, dropped = convert(
        official_state_dict(checkpoint), not args.no_teacher,
        args.keep_backbone, not args.no_visual_prompter)
    save_converted(
        dict(state_dict=state_dict,
             meta=dict(converted_from=osp.basename(args.src))), args.dst)
    return f'{len(state_dict)} tensors mapped, {len(dropped)} dropped'


if __name__ == '__main__':
    run_converter(convert_file, __doc__.splitlines()[0],
                  'official GLEE checkpoint (.pth)',
                  'output checkpoint for mmvision_plus', add_options)
