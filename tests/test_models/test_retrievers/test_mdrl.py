"""MDRL model: loss / predict modes, frozen BERT, a few training steps."""
import copy

import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from mmvision_plus.registry import MODELS

NUM_CLASSES = 4


def _cfg(bert_dir, **overrides):
    cfg = dict(
        type='MDRL',
        num_classes=NUM_CLASSES,
        embed_dims=32,
        data_preprocessor=dict(
            type='mmpretrain.ClsDataPreprocessor',
            mean=[127.5] * 3, std=[64.0] * 3),
        image_encoder=dict(
            type='mmpretrain.VisionTransformer',
            arch=dict(embed_dims=24, num_layers=2, num_heads=2,
                      feedforward_channels=48),
            img_size=(32, 16),
            patch_size=8,
            out_type='raw'),
        text_encoder=dict(
            type='BertTextEncoder', pretrained=bert_dir, num_lte_layers=1),
        dll=dict(num_visual_groups=3, num_text_groups=2, num_heads=2),
        cim=dict(num_layers=1, num_heads=2),
        match_loss=dict(type='CMPMLoss'),
        id_loss=dict(type='IdentityLoss'))
    cfg.update(overrides)
    return cfg


def _build(cfg):
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        model = MODELS.build(cfg)
    model.init_weights()
    return model


def _batch(num=6, captions=1, seed=0):
    """Images whose colour and captions whose first word encode the id."""
    gen = torch.Generator().manual_seed(seed)
    images, samples = [], []
    for i in range(num):
        pid = i % NUM_CLASSES
        img = torch.full((3, 32, 16), 40.0 * pid)
        images.append((img + 10 * torch.rand(3, 32, 16, generator=gen)).to(
            torch.uint8))
        ids = torch.zeros(captions, 10, dtype=torch.long)
        mask = torch.zeros(captions, 10, dtype=torch.long)
        for c in range(captions):
            n = 4 + (i + c) % 5
            ids[c, :n] = torch.randint(5, 64, (n, ), generator=gen)
            ids[c, 0], ids[c, 1], ids[c, n - 1] = 2, 10 + pid, 3
            mask[c, :n] = 1
        sample = DataSample(metainfo=dict(img_path=f'{i}.png', pid=pid))
        sample.set_gt_label(pid)
        sample.input_ids = ids[0] if captions == 1 else ids
        sample.attention_mask = mask[0] if captions == 1 else mask
        samples.append(sample)
    return dict(inputs=images, data_samples=samples)


@pytest.mark.parametrize('variant,keys', [
    (dict(), {'loss_match', 'loss_match_local', 'loss_id'}),
    (dict(cim=None), {'loss_match', 'loss_match_local', 'loss_id'}),
    (dict(dll=None, cim=None), {'loss_match', 'loss_id'}),
    (dict(dll=None, cim=None, match_loss=dict(type='SDMLoss')),
     {'loss_match', 'loss_id'}),
    (dict(dll=dict(num_visual_groups=2, num_text_groups=2, num_heads=2,
                   hard_split=True)),
     {'loss_match', 'loss_match_local', 'loss_id'}),
])
def test_loss_mode(tiny_bert_dir, variant, keys):
    model = _build(_cfg(tiny_bert_dir, **variant)).train()
    data = model.data_preprocessor(_batch(), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == keys
    assert all(torch.isfinite(v) and v.dim() == 0 for v in losses.values())
    assert (model.cim is None) == ('cim' in variant)


def test_cim_requires_id_loss(tiny_bert_dir):
    with pytest.raises(ValueError, match='id_loss'):
        _build(_cfg(tiny_bert_dir, id_loss=None))


def test_predict_mode_features(tiny_bert_dir):
    model = _build(_cfg(tiny_bert_dir)).eval()
    data = model.data_preprocessor(_batch(num=3, captions=2), training=False)
    data['data_samples'][1].input_ids = data['data_samples'][1].input_ids[:1]
    data['data_samples'][1].attention_mask = \
        data['data_samples'][1].attention_mask[:1]
    with torch.no_grad():
        out = model(**data, mode='predict')
    assert [tuple(s.text_feats.shape) for s in out] == [(2, 32), (1, 32),
                                                       (2, 32)]
    assert all(tuple(s.image_feat.shape) == (32, ) for s in out)
    assert all(tuple(s.image_feat_gl.shape) == (64, ) for s in out)
    assert all(tuple(s.text_feats_gl.shape[1:]) == (64, ) for s in out)
    # global part of the concatenation is the normalised global feature
    assert torch.allclose(out[0].image_feat_gl[:32],
                          torch.nn.functional.normalize(out[0].image_feat,
                                                        dim=0), atol=1e-6)
    # a caption's feature does not depend on what it is batched with
    again = model.data_preprocessor(_batch(num=1, captions=2), training=False)
    with torch.no_grad():
        single = model(**again, mode='predict')[0]
    assert torch.allclose(single.text_feats, out[0].text_feats, atol=1e-5)
    image_feats, text_feats = model(**data, mode='tensor')
    assert image_feats.shape == (3, 32) and text_feats.shape == (5, 32)
    baseline = _build(_cfg(tiny_bert_dir, dll=None, cim=None)).eval()
    fresh = baseline.data_preprocessor(_batch(num=2, captions=2), False)
    with torch.no_grad():
        plain = baseline(**fresh, mode='predict')
    assert 'image_feat_gl' not in plain[0] and 'image_feat' in plain[0]


def test_bert_frozen_inside_mdrl_and_training_steps(tiny_bert_dir):
    torch.manual_seed(0)
    model = _build(_cfg(tiny_bert_dir))
    model.train()
    assert not model.text_encoder.bert.training
    bert_before = copy.deepcopy(model.text_encoder.bert.state_dict())
    vit_before = copy.deepcopy(model.image_encoder.state_dict())
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=2e-3)
    data = model.data_preprocessor(_batch(num=8), training=True)
    history = []
    for _ in range(20):
        losses = model(**data, mode='loss')
        total = sum(losses.values())
        optimizer.zero_grad()
        total.backward()
        assert all(p.grad is None
                   for p in model.text_encoder.bert.parameters())
        assert model.cim.cls_token.grad is not None
        assert model.visual_dll.local_layer.mlp.fc1.weight.grad is not None
        optimizer.step()
        history.append(total.item())
    # The mean of the last steps, not the last one alone: a single step of a
    # tiny random model is noisy, and this must not depend on the seed.
    assert sum(history[-3:]) / 3 < 0.8 * history[0], history
    for name, value in model.text_encoder.bert.state_dict().items():
        assert torch.equal(value, bert_before[name]), name
    assert any(not torch.equal(v, vit_before[k])
               for k, v in model.image_encoder.state_dict().items())


def test_bad_inputs(tiny_bert_dir):
    model = _build(_cfg(tiny_bert_dir)).train()
    data = model.data_preprocessor(_batch(num=2, captions=2), training=True)
    with pytest.raises(ValueError, match='one caption'):
        model(**data, mode='loss')
    data = model.data_preprocessor(_batch(num=2), training=True)
    del data['data_samples'][0].input_ids
    with pytest.raises(KeyError, match='TokenizeText'):
        model(**data, mode='loss')
    with pytest.raises(RuntimeError, match='invalid mode'):
        model(**data, mode='nope')


def test_image_encoder_loads_local_checkpoint(tiny_bert_dir, tmp_path):
    """init_cfg Pretrained loads a square-image ViT checkpoint; the position
    embedding is resized to the person-image grid."""
    from mmpretrain.models import VisionTransformer
    arch = dict(embed_dims=24, num_layers=2, num_heads=2,
                feedforward_channels=48)
    square = VisionTransformer(arch=arch, img_size=32, patch_size=8)
    ckpt = tmp_path / 'vit.pth'
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in square.state_dict().items()}},
               str(ckpt))
    cfg = _cfg(tiny_bert_dir)
    cfg['image_encoder'] = dict(
        cfg['image_encoder'],
        init_cfg=dict(type='Pretrained', checkpoint=str(ckpt),
                      prefix='backbone.'))
    model = _build(cfg)
    loaded = model.image_encoder.state_dict()
    assert loaded['pos_embed'].shape == (1, 1 + 4 * 2, 24)
    for key, value in square.state_dict().items():
        if key != 'pos_embed':
            assert torch.equal(loaded[key], value), key
    assert torch.equal(loaded['pos_embed'][:, 0],
                       square.state_dict()['pos_embed'][:, 0])
