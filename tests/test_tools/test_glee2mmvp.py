"""glee2mmvp: an official GLEE-Lite checkpoint (synthetic, official layout)
converts to a state dict our GLEE-Lite loads strictly.

The official layout is rebuilt below from the module and attribute names of
the official code (FoundationVision/GLEE, projects/GLEE/glee: detectron2's
ResNet, ``MaskDINOEncoder`` with ``VLFuse``, ``MaskDINODecoder``, HF
``CLIPTextModel``, the visual-prompt parts and ``SetCriterion``), at test
sizes; none of it comes from the converter.
"""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from torch import nn
from transformers import CLIPTextConfig, CLIPTextModel

import mmvision_plus
from mmvision_plus.registry import MODELS
from tools.model_converters.glee2mmvp import (GLEECheckpointError, convert,
                                              official_state_dict)

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'model_converters', 'glee2mmvp.py')
NARROW = osp.join(ROOT, 'tests', 'data', 'glee', 'glee-lite_r50-narrow.py')
BASE, D, FFN, POINTS, LAYERS, CLIP_WIDTH = 16, 256, 64, 2, 2, 32
TABLES = dict(coco_label_enc=80, obj365_label_enc=100, vg_label_enc=200,
              grounding_label_enc=1, ytvis19_label_enc=40,
              ytvis21_label_enc=40, ovis_label_enc=25, uvo_label_enc=81,
              bdd_det=10, bdd_inst=8)


# ---- the official module names (init only, no forward) ------------------ #
class FrozenBatchNorm2d(nn.Module):  # detectron2: four buffers

    def __init__(self, c):
        super().__init__()
        for name in ('weight', 'bias', 'running_mean', 'running_var'):
            self.register_buffer(name, torch.randn(c))


class D2Conv(nn.Conv2d):  # detectron2 Conv2d with a norm attribute

    def __init__(self, cin, cout, k, bias=False, norm='BN', stride=1):
        super().__init__(cin, cout, k, stride=stride, bias=bias)
        self.norm = FrozenBatchNorm2d(cout) if norm == 'BN' else \
            nn.GroupNorm(32, cout)


class BottleneckBlock(nn.Module):

    def __init__(self, cin, bottleneck, cout):
        super().__init__()
        self.shortcut = D2Conv(cin, cout, 1) if cin != cout else None
        self.conv1 = D2Conv(cin, bottleneck, 1)
        self.conv2 = D2Conv(bottleneck, bottleneck, 3)
        self.conv3 = D2Conv(bottleneck, cout, 1)


class ResNet(nn.Module):

    def __init__(self):
        super().__init__()
        self.stem = nn.Module()
        self.stem.conv1 = D2Conv(3, BASE, 7)
        cin = BASE
        for stage, blocks in zip(range(2, 6), (3, 4, 6, 3)):
            bottleneck = BASE * 2**(stage - 2)
            layers = []
            for _ in range(blocks):
                layers.append(BottleneckBlock(cin, bottleneck, bottleneck * 4))
                cin = bottleneck * 4
            self.add_module(f'res{stage}', nn.Sequential(*layers))


class MSDeformAttn(nn.Module):

    def __init__(self, levels=4, heads=8):
        super().__init__()
        self.sampling_offsets = nn.Linear(D, heads * levels * POINTS * 2)
        self.attention_weights = nn.Linear(D, heads * levels * POINTS)
        self.value_proj = nn.Linear(D, D)
        self.output_proj = nn.Linear(D, D)


class EncoderLayer(nn.Module):  # MSDeformAttnTransformerEncoderLayer

    def __init__(self):
        super().__init__()
        self.self_attn = MSDeformAttn()
        self.norm1 = nn.LayerNorm(D)
        self.linear1 = nn.Linear(D, FFN)
        self.linear2 = nn.Linear(FFN, D)
        self.norm2 = nn.LayerNorm(D)


class BiMultiHeadAttention(nn.Module):

    def __init__(self, embed=64):
        super().__init__()
        for name, (i, o) in dict(v_proj=(D, embed), l_proj=(D, embed),
                                 values_v_proj=(D, embed),
                                 values_l_proj=(D, embed),
                                 out_v_proj=(embed, D),
                                 out_l_proj=(embed, D)).items():
            setattr(self, name, nn.Linear(i, o))


class VLFuse(nn.Module):

    def __init__(self):
        super().__init__()
        self.b_attn = nn.Module()
        self.b_attn.layer_norm_v = nn.LayerNorm(D)
        self.b_attn.layer_norm_l = nn.LayerNorm(D)
        self.b_attn.attn = BiMultiHeadAttention()
        self.b_attn.gamma_v = nn.Parameter(torch.randn(D))
        self.b_attn.gamma_l = nn.Parameter(torch.randn(D))


class MaskDINOEncoder(nn.Module):

    def __init__(self):
        super().__init__()
        self.input_proj = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(c, D, 1), nn.GroupNorm(32, D))
             for c in (8 * BASE, 16 * BASE, 32 * BASE)] +
            [nn.Sequential(nn.Conv2d(32 * BASE, D, 3, 2, 1),
                           nn.GroupNorm(32, D))])
        self.transformer = nn.Module()
        self.transformer.encoder = nn.Module()
        self.transformer.encoder.layers = nn.ModuleList(
            EncoderLayer() for _ in range(LAYERS))
        # _get_clones_advanced(vl_fusion_layer, num_layers, 1)
        self.transformer.encoder.vl_layers = nn.ModuleList(
            [VLFuse()] + [nn.Identity() for _ in range(LAYERS - 1)])
        self.transformer.level_embed = nn.Parameter(torch.randn(4, D))
        self.mask_features = nn.Conv2d(D, D, 1)
        self.adapter_1 = D2Conv(4 * BASE, D, 1, norm='GN')
        self.layer_1 = D2Conv(D, D, 3, norm='GN')


def mlp(i, h, o, n):
    m = nn.Module()
    dims = [i] + [h] * (n - 1)
    m.layers = nn.ModuleList(nn.Linear(a, b) for a, b in
                             zip(dims, dims[1:] + [o]))
    return m


class DecoderLayer(nn.Module):  # DeformableTransformerDecoderLayer

    def __init__(self):
        super().__init__()
        self.cross_attn = MSDeformAttn()
        self.norm1 = nn.LayerNorm(D)
        self.self_attn = nn.MultiheadAttention(D, 8)
        self.norm2 = nn.LayerNorm(D)
        self.linear1 = nn.Linear(D, FFN)
        self.linear2 = nn.Linear(FFN, D)
        self.norm3 = nn.LayerNorm(D)


class MaskDINODecoder(nn.Module):

    def __init__(self):
        super().__init__()
        self.enc_output = nn.Linear(D, D)
        self.enc_output_norm = nn.LayerNorm(D)
        self.input_proj = nn.ModuleList(nn.Sequential() for _ in range(4))
        self.confidence_score = mlp(D, D, 1, 2)
        self.category_embed = nn.Parameter(torch.rand(D, D))
        for name, size in TABLES.items():
            setattr(self, name, nn.Embedding(size, D))
        self.mask_embed = mlp(D, D, D, 3)
        self.decoder_norm = nn.LayerNorm(D)
        self.decoder = nn.Module()
        self.decoder.layers = nn.ModuleList(
            DecoderLayer() for _ in range(LAYERS))
        self.decoder.norm = self.decoder_norm
        self.decoder.ref_point_head = mlp(2 * D, D, D, 2)
        self._bbox_embed = mlp(D, D, 4, 3)
        self.bbox_embed = nn.ModuleList([self._bbox_embed] * LAYERS)
        self.decoder.bbox_embed = self.bbox_embed


def official_checkpoint() -> dict:
    torch.manual_seed(0)
    text = CLIPTextConfig(hidden_size=CLIP_WIDTH, intermediate_size=128,
                          num_hidden_layers=1, num_attention_heads=2)
    glee = nn.Module()
    glee.backbone = ResNet()
    glee.sot_fuser = nn.Module()
    glee.sot_fuser.refine = nn.ModuleList(
        nn.Conv2d(c, D, 3, padding=1) for c in (8 * BASE, 16 * BASE,
                                                32 * BASE))
    glee.text_encoder = CLIPTextModel(text)
    glee.text_encoder_teacher = CLIPTextModel(text)
    glee.lang_projection = nn.Parameter(torch.rand(CLIP_WIDTH, D))
    glee.pixel_decoder = MaskDINOEncoder()
    glee.predictor = MaskDINODecoder()
    glee.mask_sptial_embed = nn.ParameterList(
        nn.Parameter(torch.randn(D, D)) for _ in range(4))
    glee.pn_indicator = nn.Embedding(2, D)
    arch = nn.Module()
    arch.glee = glee
    arch.criterion = nn.Module()
    arch.criterion.register_buffer('empty_weight', torch.ones(2))
    state_dict = arch.state_dict()
    # older transformers versions saved this buffer
    state_dict['glee.text_encoder.text_model.embeddings.position_ids'] = \
        torch.arange(77)[None]
    return dict(model=state_dict, iteration=1000)


def narrow_glee_lite():
    cfg = Config.fromfile(NARROW)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        return MODELS.build(cfg.model)


def test_every_official_tensor_is_mapped_or_dropped_and_loads_strictly():
    official = official_checkpoint()['model']
    ours, dropped = convert(official_state_dict(dict(model=official)))
    model = narrow_glee_lite()
    model.load_state_dict(ours, strict=True)
    state = model.state_dict()
    pairs = {
        'glee.backbone.res4.5.conv2.norm.running_var':
        'backbone.layer3.5.bn2.running_var',
        'glee.backbone.res2.0.shortcut.weight':
        'backbone.layer1.0.downsample.0.weight',
        'glee.pixel_decoder.input_proj.3.1.weight':
        'input_proj.extra_convs.0.gn.weight',
        'glee.pixel_decoder.transformer.encoder.layers.1.linear2.bias':
        'encoder.layers.1.ffn.layers.1.bias',
        'glee.pixel_decoder.transformer.encoder.vl_layers.0.b_attn.gamma_l':
        'encoder.fusion_layers.0.gamma_l',
        'glee.pixel_decoder.adapter_1.norm.bias':
        'pixel_embedding.lateral_convs.0.gn.bias',
        'glee.predictor.decoder.layers.1.norm2.weight':
        'decoder.layers.1.norms.0.weight',
        'glee.predictor.decoder.layers.0.self_attn.in_proj_weight':
        'decoder.layers.0.self_attn.attn.in_proj_weight',
        'glee.predictor.decoder.layers.0.cross_attn.sampling_offsets.weight':
        'decoder.layers.0.cross_attn.sampling_offsets.weight',
        'glee.predictor.category_embed': 'bbox_head.class_projection',
        'glee.predictor.obj365_label_enc.weight':
        'dn_query_generator.label_tables.obj365.weight',
        'glee.predictor._bbox_embed.layers.2.bias':
        'bbox_head.box_head.layers.2.bias',
        'glee.predictor.enc_output.weight': 'memory_trans_fc.weight',
        'glee.text_encoder_teacher.text_model.final_layer_norm.weight':
        'text_encoder.teacher.text_model.final_layer_norm.weight',
        'glee.lang_projection': 'text_encoder.lang_projection',
        'glee.sot_fuser.refine.2.weight':
        'visual_prompter.template_convs.2.weight',
        'glee.mask_sptial_embed.3': 'visual_prompter.spatial_embeds.3',
        'glee.pn_indicator.weight': 'visual_prompter.pn_indicator.weight',
    }
    for theirs, mine in pairs.items():
        assert torch.equal(state[mine], official[theirs]), mine
    dropped = set(dropped)
    assert 'criterion.empty_weight' in dropped
    assert 'predictor.decoder.norm.weight' in dropped
    assert 'predictor.decoder.bbox_embed.1.layers.0.weight' in dropped
    assert 'text_encoder.text_model.embeddings.position_ids' in dropped
    # nothing official is lost silently
    assert len(ours) - sum('num_batches_tracked' in k for k in ours) + \
        len(dropped) == len(official)


def test_unknown_or_inconsistent_tensors_stop_the_conversion():
    official = official_state_dict(official_checkpoint())
    with pytest.raises(GLEECheckpointError, match='no mapping'):
        convert(dict(official, **{'predictor.new_head.weight':
                                  torch.zeros(1)}))
    official['predictor.bbox_embed.1.layers.0.bias'] = torch.zeros(D)
    with pytest.raises(GLEECheckpointError, match='differs'):
        convert(official)
    teacherless, dropped = convert(
        official_state_dict(official_checkpoint()), keep_teacher=False)
    assert not any(k.startswith('text_encoder.teacher') for k in teacherless)
    text_only, dropped = convert(
        official_state_dict(official_checkpoint()),
        keep_visual_prompter=False)
    assert not any(k.startswith('visual_prompter') for k in text_only)
    assert {'pn_indicator.weight', 'sot_fuser.refine.2.weight',
            'mask_sptial_embed.0'} <= set(dropped)


def test_command_line_writes_a_loadable_checkpoint(tmp_path, subprocess_env):
    src, dst = tmp_path / 'GLEE_Lite.pth', tmp_path / 'out' / 'mmvp.pth'
    torch.save(official_checkpoint(), src)
    subprocess.run([sys.executable, TOOL, str(src), str(dst)], check=True,
                   env=subprocess_env, cwd=ROOT)
    model = narrow_glee_lite()
    load_checkpoint(model, str(dst), strict=True)
