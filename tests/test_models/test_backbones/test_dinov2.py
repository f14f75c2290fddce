"""DINOv2ViT: parity with timm / the official interpolation, strict loading,
freezing, outputs, masks, checkpointing, converters."""
import math
import os.path as osp
import runpy
import sys

import pytest
import torch
import torch.nn.functional as F

from mmvision_plus.models.backbones.dinov2 import DINOv2ViT
from mmvision_plus.models.backbones.dinov2_convert import (
    convert_checkpoint_file, mmpretrain_to_official, official_to_mmpretrain,
    official_to_timm, timm_to_official)
from tests.test_models.test_backbones.vit_weights import randomize_

TOOLS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', '..',
                 'tools')
timm = pytest.importorskip('timm')

# ViT-S/14 width with 2 blocks keeps the 518 px parity tests fast.
S2 = dict(embed_dims=384, num_layers=2, num_heads=6)
TINY = dict(embed_dims=64, num_layers=3, num_heads=4)
TOL = 1e-5


def make_timm(reg: bool, seed: int = 0, **kwargs) -> torch.nn.Module:
    name = ('vit_small_patch14_reg4_dinov2'
            if reg else 'vit_small_patch14_dinov2')
    cfg = dict(pretrained=False, img_size=518, num_classes=0, depth=2,
               dynamic_img_size=True, dynamic_img_pad=True)
    cfg.update(kwargs)
    model = timm.create_model(name, **cfg).eval()
    randomize_(model, seed)
    return model


def timm_features(model, x):
    """timm's normed tokens and the pre-norm tokens (hooked)."""
    cache = {}

    def hook(module, inputs, output) -> None:
        cache['prenorm'] = inputs[0]

    handle = model.norm.register_forward_hook(hook)
    with torch.no_grad():
        normed = model.forward_features(x)
    handle.remove()
    return normed, cache['prenorm']


def ours_from_timm(model, reg: bool, arch=S2) -> DINOv2ViT:
    ours = DINOv2ViT(arch=arch, num_register_tokens=4 if reg else 0).eval()
    ours.load_official_state_dict(timm_to_official(model.state_dict()))
    return ours


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a - b).abs().max().item() if a.numel() else 0.


def assert_features_equal(out: dict, normed, prenorm, num_reg: int) -> None:
    assert max_diff(out['x_norm_clstoken'], normed[:, 0]) <= TOL
    assert max_diff(out['x_norm_regtokens'], normed[:, 1:1 + num_reg]) <= TOL
    assert max_diff(out['x_norm_patchtokens'], normed[:, 1 + num_reg:]) <= TOL
    assert max_diff(out['x_prenorm'], prenorm) <= TOL


@pytest.mark.parametrize('reg', [False, True])
def test_timm_parity_518(reg):
    model = make_timm(reg)
    ours = ours_from_timm(model, reg)
    x = torch.randn(2, 3, 518, 518)
    with torch.no_grad():
        out = ours.forward_features(x)
    assert out['x_norm_patchtokens'].shape == (2, 37 * 37, 384)
    assert out['x_norm_regtokens'].shape == (2, 4 if reg else 0, 384)
    assert_features_equal(out, *timm_features(model, x), 4 if reg else 0)


@pytest.mark.parametrize('size', [(224, 224), (224, 336), (230, 300)])
def test_register_variant_matches_timm_dynamic_size(size):
    model = make_timm(True)
    ours = ours_from_timm(model, True)
    x = torch.randn(1, 3, *size)
    with torch.no_grad():
        out = ours.forward_features(x)
    grid = (math.ceil(size[0] / 14), math.ceil(size[1] / 14))
    assert out['x_norm_patchtokens'].shape[1] == grid[0] * grid[1]
    assert_features_equal(out, *timm_features(model, x), 4)


def official_offset_reference(model, x, offset: float = 0.1):
    """The official non-register forward written out: zero pad, patch
    embed, bicubic pos-embed resize by scale_factor (n + offset) / M without
    antialias, timm's blocks and norm."""
    p = 14
    x = F.pad(x, (0, (-x.shape[-1]) % p, 0, (-x.shape[-2]) % p))
    h0, w0 = x.shape[-2] // p, x.shape[-1] // p
    proj = model.patch_embed.proj
    tokens = F.conv2d(x, proj.weight, proj.bias, stride=p)
    tokens = tokens.flatten(2).transpose(1, 2)
    pos = model.pos_embed.float()
    side = math.isqrt(pos.shape[1] - 1)
    grid = pos[:, 1:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, mode='bicubic', antialias=False,
                         scale_factor=((h0 + offset) / side,
                                       (w0 + offset) / side))
    assert grid.shape[-2:] == (h0, w0)
    pos = torch.cat((pos[:, :1], grid.flatten(2).transpose(1, 2)), dim=1)
    cls = model.cls_token.expand(x.shape[0], -1, -1)
    tokens = torch.cat((cls, tokens), dim=1) + pos
    with torch.no_grad():
        for blk in model.blocks:
            tokens = blk(tokens)
        return model.norm(tokens), tokens


@pytest.mark.parametrize('size', [(224, 224), (224, 336), (230, 300)])
def test_non_register_variant_uses_official_offset_interpolation(size):
    model = make_timm(False)
    ours = ours_from_timm(model, False)
    x = torch.randn(1, 3, *size)
    with torch.no_grad():
        out = ours.forward_features(x)
        ref = official_offset_reference(model, x)
    assert_features_equal(out, *ref, 0)
    # timm resizes by size with antialias: measurably different features,
    # so the check above is discriminative.
    timm_normed, _ = timm_features(model, x)
    assert (timm_normed - ref[0]).abs().max() > 1e-3


def test_swiglu_parity_with_timm_giant_layout():
    model = timm.create_model('vit_giant_patch14_dinov2', pretrained=False,
                              img_size=518, num_classes=0, depth=1,
                              embed_dim=96, num_heads=2).eval()
    randomize_(model)
    sd = timm_to_official(model.state_dict())
    assert 'blocks.0.mlp.w12.weight' in sd and 'blocks.0.mlp.w3.bias' in sd
    ours = DINOv2ViT(arch=dict(embed_dims=96, num_layers=1, num_heads=2,
                               ffn_type='swiglu', ffn_hidden=256)).eval()
    ours.load_official_state_dict(sd)
    x = torch.randn(1, 3, 518, 518)
    with torch.no_grad():
        out = ours.forward_features(x)
    assert_features_equal(out, *timm_features(model, x), 0)


@pytest.mark.parametrize('ffn', ['mlp', 'swiglu'])
def test_mmpretrain_converter_parity_and_round_trip(ffn):
    from mmpretrain.models import VisionTransformer
    arch = dict(embed_dims=64, num_layers=2, num_heads=4,
                feedforward_channels=256)
    layer_cfgs = dict(ffn_type='swiglu_fused') if ffn == 'swiglu' else {}
    theirs = VisionTransformer(arch=arch, img_size=70, patch_size=14,
                               layer_scale_init_value=1e-5, out_type='raw',
                               layer_cfgs=layer_cfgs)
    theirs.eval()  # mmpretrain's train() returns None
    randomize_(theirs)
    sd = mmpretrain_to_official(
        {f'backbone.{k}': v for k, v in theirs.state_dict().items()})
    hidden = 176 if ffn == 'swiglu' else 256  # official SwiGLU rounding
    ours = DINOv2ViT(arch=dict(embed_dims=64, num_layers=2, num_heads=4,
                               ffn_type=ffn, ffn_hidden=hidden),
                     img_size=70).eval()
    ours.load_official_state_dict(sd)
    x = torch.randn(2, 3, 70, 70)
    with torch.no_grad():
        ref = theirs(x)[0]
        out = ours.forward_features(x)
    assert (out['x_norm_clstoken'] - ref[:, 0]).abs().max() <= TOL
    assert (out['x_norm_patchtokens'] - ref[:, 1:]).abs().max() <= TOL
    back = official_to_mmpretrain(sd)
    assert back.keys() == theirs.state_dict().keys()
    assert all(torch.equal(back[k], v) for k, v in theirs.state_dict().items())


@pytest.mark.parametrize('reg', [False, True])
def test_timm_converter_round_trip(reg):
    model = make_timm(reg, depth=1)
    sd = model.state_dict()
    official = timm_to_official(sd)
    assert torch.equal(official['mask_token'], torch.zeros(1, 384))
    assert official['pos_embed'].shape == (1, 1 + 37 * 37, 384)
    assert ('register_tokens' in official) == reg
    back = official_to_timm(official)
    assert back.keys() == sd.keys()
    assert all(torch.equal(back[k], v) for k, v in sd.items())


def test_converter_tools(tmp_path, monkeypatch):
    model = make_timm(True, depth=1)
    src, dst = tmp_path / 'timm.pth', tmp_path / 'out' / 'official.pth'
    torch.save(model.state_dict(), src)
    monkeypatch.setattr(sys, 'argv', ['timm2dinov2.py', str(src), str(dst)])
    runpy.run_path(osp.join(TOOLS, 'model_converters', 'timm2dinov2.py'),
                   run_name='__main__')
    ours = DINOv2ViT(arch=dict(S2, num_layers=1), num_register_tokens=4,
                     init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    ours.init_weights()
    assert torch.equal(ours.register_tokens, model.reg_token)
    with pytest.raises(ValueError, match='keys without a DINOv2 mapping'):
        timm_to_official(dict(model.state_dict(), extra=torch.zeros(1)))
    with pytest.raises(ValueError, match='unknown source format'):
        convert_checkpoint_file(str(src), str(dst), 'hf')


def tiny_state(**kwargs) -> dict:
    model = DINOv2ViT(arch=TINY, img_size=70, **kwargs)
    randomize_(model)
    return model.state_dict()


def test_pretrained_init_cfg_strict_loading(tmp_path):
    sd = tiny_state()
    path = tmp_path / 'ckpt.pth'
    torch.save({'model': sd}, path)
    model = DINOv2ViT(arch=TINY, img_size=70,
                      init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in sd.items())

    def load(state, **kwargs):
        kwargs.setdefault('img_size', 70)
        DINOv2ViT(arch=TINY, **kwargs).load_official_state_dict(
            state, source='ck.pth')

    missing = {k: v for k, v in sd.items() if k != 'norm.weight'}
    with pytest.raises(ValueError, match=r"missing keys: \['norm.weight'\]"):
        load(missing)
    with pytest.raises(ValueError, match=r"unused keys: \['head.weight'\]"):
        load(dict(sd, **{'head.weight': torch.zeros(2)}))
    with pytest.raises(ValueError, match=r'pos_embed: checkpoint \(1, 26, 64'
                       r'\) vs model \(1, 1370, 64\)') as err:
        load(sd, img_size=518)
    assert '5x5 grid: build with img_size=70' in str(err.value)
    with pytest.raises(ValueError, match='expects num_register_tokens=4 '
                       'but it has no register_tokens'):
        load(sd, num_register_tokens=4)
    with pytest.raises(ValueError, match='build with num_register_tokens=4'):
        load(tiny_state(num_register_tokens=4))
    with pytest.raises(ValueError, match="ck.pth: not a DINOv2 checkpoint"):
        load({'layers.0.ln1.weight': torch.zeros(64)})


def test_checkpoint_of_another_arch_names_it():
    base_like = {'patch_embed.proj.weight': torch.zeros(768, 3, 14, 14),
                 'blocks.11.norm1.weight': torch.zeros(768)}
    with pytest.raises(ValueError, match=r"arch 'base' \(embed_dims=768, 12 "
                       r"blocks\) but the model was built with arch 'small'"):
        DINOv2ViT(arch='vits14').load_official_state_dict(base_like)


def test_bad_inputs():
    model = DINOv2ViT(arch=TINY, img_size=70, pad_to_multiple=False)
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\), got \(1, 1, 56'):
        model(torch.zeros(1, 1, 56, 56))
    with pytest.raises(ValueError, match='not a multiple of the patch size'):
        model(torch.zeros(1, 3, 50, 56))
    with pytest.raises(ValueError, match='unknown arch'):
        DINOv2ViT(arch='huge')
    with pytest.raises(ValueError, match='out_indices entry 5'):
        DINOv2ViT(arch=TINY, out_indices=(5, ))
    with pytest.raises(ValueError, match='masks must have shape'):
        DINOv2ViT(arch=TINY, img_size=70).forward_features(
            torch.zeros(1, 3, 70, 70), masks=torch.zeros(1, 3).bool())


def test_frozen_and_frozen_stages():
    model = DINOv2ViT(arch=TINY, img_size=70, frozen=True)
    model.train()
    assert not model.training and not model.blocks[0].training
    assert not any(p.requires_grad for p in model.parameters())
    assert model(torch.randn(1, 3, 70, 70))[0].grad_fn is None

    model = DINOv2ViT(arch=TINY, img_size=70, frozen_stages=1,
                      drop_path_rate=0.1)
    model.train()
    assert not model.patch_embed.training and not model.blocks[0].training
    assert model.blocks[1].training and model.blocks[2].training
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert {'cls_token', 'pos_embed', 'mask_token'} <= frozen
    assert all(n.startswith(('patch_embed', 'blocks.0.', 'cls', 'pos',
                             'mask')) for n in frozen)
    assert model.blocks[1].attn.qkv.weight.requires_grad


def test_out_indices_and_out_types():
    x = torch.randn(2, 3, 70, 98)
    model = DINOv2ViT(arch=TINY, img_size=70, out_indices=(0, -1),
                      num_register_tokens=4).eval()
    randomize_(model)
    feats = model(x)
    assert [f.shape for f in feats] == [(2, 64, 5, 7)] * 2
    ff = model.forward_features(x)
    assert torch.allclose(
        feats[1], ff['x_norm_patchtokens'].reshape(2, 5, 7, 64).permute(
            0, 3, 1, 2), atol=1e-6)
    model.out_type = 'cls_token'
    assert model(x)[1].shape == (2, 64)
    assert torch.allclose(model(x)[1], ff['x_norm_clstoken'], atol=1e-6)
    model.out_type = 'cls_patch_mean'
    expected = torch.cat((ff['x_norm_clstoken'],
                          ff['x_norm_patchtokens'].mean(1)), dim=-1)
    assert torch.allclose(model(x)[1], expected, atol=1e-6)


def test_get_intermediate_layers_matches_manual_loop():
    model = DINOv2ViT(arch=TINY, img_size=70, num_register_tokens=4).eval()
    randomize_(model)
    x = torch.randn(2, 3, 70, 84)
    with torch.no_grad():
        tokens, grid = model.prepare_tokens_with_masks(x)
        manual = []
        for blk in model.blocks:
            tokens = blk(tokens)
            manual.append(tokens)
        outs = model.get_intermediate_layers(x, n=2, reshape=True,
                                             return_class_token=True)
        raw = model.get_intermediate_layers(x, n=[0], norm=False)
    assert grid == (5, 6) and len(outs) == 2
    for (patch, cls), ref in zip(outs, manual[1:]):
        ref = model.norm(ref)
        assert torch.allclose(cls, ref[:, 0], atol=1e-6)
        assert torch.allclose(
            patch, ref[:, 5:].reshape(2, 5, 6, 64).permute(0, 3, 1, 2),
            atol=1e-6)
    assert torch.allclose(raw[0], manual[0][:, 5:], atol=1e-6)


def test_masks_replace_patch_embeddings_with_mask_token():
    model = DINOv2ViT(arch=TINY, img_size=70).eval()
    randomize_(model)
    x = torch.randn(2, 3, 70, 70)
    masks = torch.zeros(2, 25, dtype=torch.bool)
    masks[0, :7] = True
    with torch.no_grad():
        out = model.forward_features(x, masks=masks)
        emb = model.patch_embed(x)
        emb[masks] = model.mask_token[0]
        tokens = torch.cat((model.cls_token.expand(2, -1, -1), emb), 1)
        tokens = tokens + model.pos_embed
        for blk in model.blocks:
            tokens = blk(tokens)
        plain = model.forward_features(x)
    assert out['masks'] is masks
    assert torch.allclose(out['x_prenorm'], tokens, atol=1e-6)
    assert torch.allclose(out['x_prenorm'][1], plain['x_prenorm'][1],
                          atol=1e-6)
    assert not torch.allclose(out['x_prenorm'][0], plain['x_prenorm'][0])


def test_gradient_checkpointing_same_output_and_grads():
    x = torch.randn(2, 3, 70, 70)
    results = []
    for with_cp in (False, True):
        torch.manual_seed(0)
        model = DINOv2ViT(arch=TINY, img_size=70, with_cp=with_cp).train()
        randomize_(model)
        out = model(x)[0]
        out.square().mean().backward()
        results.append((out.detach(), model.blocks[0].attn.qkv.weight.grad))
    assert torch.allclose(results[0][0], results[1][0], atol=1e-6)
    assert torch.allclose(results[0][1], results[1][1], atol=1e-6)


def test_registry_mmpretrain_classifier_and_mmdet_scope():
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmengine.registry import DefaultScope
    from mmpretrain.models import ImageClassifier

    from mmvision_plus.registry import MODELS
    backbone = dict(type='DINOv2ViT', arch=TINY, img_size=70,
                    out_type='cls_patch_mean', frozen=True)
    head = dict(type='mmpretrain.LinearClsHead', num_classes=5,
                in_channels=128)
    # Our scope (the project's configs): mmpretrain parts with a prefix.
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        clf = MODELS.build(
            dict(type='mmpretrain.ImageClassifier', backbone=backbone,
                 head=head, data_preprocessor=dict(
                     type='mmpretrain.ClsDataPreprocessor')))
    assert isinstance(clf.backbone, DINOv2ViT)
    assert clf(torch.randn(2, 3, 70, 70), mode='tensor').shape == (2, 5)
    # A plain mmpretrain-scope config reaches us through the import path.
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        clf = ImageClassifier(
            backbone=dict(backbone, type='mmvision_plus.models.DINOv2ViT'),
            head=dict(head, type='LinearClsHead'))
    assert clf(torch.randn(1, 3, 70, 70), mode='tensor').shape == (1, 5)
    # mmdet scope: our registry is a child of mmdet's.
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MMDET_MODELS.build(
            dict(backbone, type='mmvision_plus.DINOv2ViT',
                 out_type='featmap'))
    assert model(torch.randn(1, 3, 70, 84))[0].shape == (1, 64, 5, 6)


def test_drop_path_rate_grows_linearly_and_acts_in_training_only():
    from mmcv.cnn.bricks.drop import DropPath
    model = DINOv2ViT(arch=TINY, img_size=70, drop_path_rate=0.3)
    rates = [blk.drop_path.drop_prob if isinstance(blk.drop_path, DropPath)
             else 0. for blk in model.blocks]
    assert rates == pytest.approx([0., 0.15, 0.3])
    plain = DINOv2ViT(arch=TINY, img_size=70)
    assert list(model.state_dict()) == list(plain.state_dict())
    randomize_(model)
    plain.load_state_dict(model.state_dict())
    x = torch.randn(8, 3, 70, 70)
    with torch.no_grad():
        model.eval()
        expected = plain.eval()(x)[0]
        assert torch.equal(model(x)[0], expected)
        model.train()
        torch.manual_seed(0)
        first = model(x)[0]
        torch.manual_seed(1)
        second = model(x)[0]
    # random per sample and per pass, never in eval
    differs = (first - expected).flatten(1).abs().amax(1) > 1e-4
    assert differs.any() and not torch.equal(first, second)
