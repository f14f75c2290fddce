"""ALBEF and BLIP: training steps, retrieval through predict_all, BLIP's
encoder/decoder sharing and captioning, official checkpoint layouts."""
import copy

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from mmvision_plus.models.multimodal.checkpoint_convert import (
    albef_to_mmvp, blip_to_mmvp)
from tests.test_models.test_multimodal.vl_fixtures import (albef_cfg,
                                                         blip_cfg, build)


def _train(model, batch, steps=3):
    images, samples = batch
    optim = build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3),
        paramwise_cfg=dict(bypass_duplicate=True)))
    data = dict(inputs=images, data_samples=samples)
    before = copy.deepcopy(model.state_dict())
    history = [model.train_step(data, optim) for _ in range(steps)]
    return before, history


@pytest.mark.parametrize('make_cfg,losses', [
    (albef_cfg, {'loss_itc', 'loss_itm', 'loss_mlm'}),
    (blip_cfg, {'loss_itc', 'loss_itm', 'loss_lm'}),
])
def test_training_iterations(make_cfg, losses, train_batch):
    model = build(make_cfg())
    model.train()
    before, history = _train(model, train_batch)
    assert set(history[-1]) == losses | {'loss'}
    assert all(torch.isfinite(v) for log in history for v in log.values())
    after = model.state_dict()
    # online weights moved; momentum copies followed (EMA) but lag behind
    key = 'visual_encoder.blocks.0.attn.qkv.weight'
    key_m = 'visual_encoder_m.module.blocks.0.attn.qkv.weight'
    moved = (after[key] - before[key]).abs().max()
    moved_m = (after[key_m] - before[key_m]).abs().max()
    assert moved > 0 and 0 < moved_m < moved
    assert int(after['visual_encoder_m.steps']) == 3
    # the queue holds the last 3 x 4 momentum features (8 slots)
    assert int(after['distill.queue.ptr']) == (3 * 4) % 8
    assert sorted(set(after['distill.queue.image_ids'].tolist())) == [0, 1, 2]


def test_alpha_is_the_warmup_hooks_parameter(train_batch):
    model = build(albef_cfg(alpha=0.4))
    assert model.distill.alpha == 0.4
    model.distill.alpha = 0.0  # what WarmupParamHook does at iteration 0
    model.train()
    _train(model, train_batch, steps=1)


@pytest.mark.parametrize('make_cfg', [albef_cfg, blip_cfg])
def test_retrieval_with_itm_reranking(make_cfg, test_batch):
    model = build(make_cfg()).eval()
    images, samples = test_batch
    with torch.no_grad():
        feats = model(images, samples, mode='tensor')
        assert feats['image_feat'].shape == (2, 16)
        assert feats['text_feat'].shape == (5, 16)
        i2t, t2i = model.predict_all(feats, samples, num_images=2,
                                     num_texts=5)
        # with rerank_topk=3 of 5 texts, 2 texts per image stay at -100
        assert all(int((p.pred_score == -100).sum()) == 2 for p in i2t)
        assert [p.gt_label.tolist() for p in t2i] == [[0], [0], [1], [1],
                                                      [1]]
        model.rerank_topk = None
        itc_i2t, _ = model.predict_all(feats, samples)
        assert torch.allclose(itc_i2t[0].pred_score,
                              feats['image_feat'][0] @ feats['text_feat'].t())


def test_blip_decoder_shares_all_but_self_attention():
    model = build(blip_cfg())
    enc, dec = model.text_encoder.bert, model.text_decoder.bert
    assert dec.embeddings is enc.embeddings
    for enc_layer, dec_layer in zip(enc.encoder.layer, dec.encoder.layer):
        assert dec_layer.crossattention is enc_layer.crossattention
        assert dec_layer.intermediate is enc_layer.intermediate
        assert dec_layer.output.dense.weight is enc_layer.output.dense.weight
        assert dec_layer.attention is not enc_layer.attention
        assert dec_layer.attention.self.query.weight is not \
            enc_layer.attention.self.query.weight
    assert model.text_decoder.cls.predictions.decoder.weight is \
        enc.embeddings.word_embeddings.weight
    # a change through the encoder is seen by the decoder
    with torch.no_grad():
        enc.encoder.layer[0].output.dense.weight.add_(1.0)
    assert torch.equal(dec.encoder.layer[0].output.dense.weight,
                       enc.encoder.layer[0].output.dense.weight)


def test_blip_captions_respect_max_length_and_eos(test_batch):
    model = build(blip_cfg()).eval()
    images, samples = test_batch
    eos = model.tokenizer.eos_token_id
    for strategy in ('greedy', 'beam', 'nucleus'):
        captions = model.caption(images, strategy=strategy, max_length=6)
        assert len(captions) == 2
        assert all(len(c.split()) <= 6 - 1 for c in captions)
    # a decoder that always says EOS right after BOS gives empty captions
    with torch.no_grad():
        model.text_decoder.cls.predictions.bias.fill_(-1e4)
        model.text_decoder.cls.predictions.bias[eos] = 1e4
    assert model.caption(images, min_length=0) == ['', '']
    model.generation['min_length'] = 0
    out = model.predict(images, samples)
    assert out[0].pred_caption == ''
    assert out[0].gt_caption == samples[0].gt_caption
    with pytest.raises(ValueError, match=r'\[DEC\]'):
        build(blip_cfg(tokenizer=dict(type='DemoWorldTokenizer')))


def _to_official(state_dict, queue_ptr_key):
    """Our layout -> the official one, as ALBEF's / BLIP's code names it."""
    out = {}
    for key, value in state_dict.items():
        if key.endswith('_m.steps'):
            continue
        if key.startswith('distill.queue.'):
            name = key.split('.')[-1]
            if name in ('image_feats', 'text_feats'):
                out[name.replace('_feats', '_queue')] = value.t()
            elif name == 'image_ids':
                out['idx_queue'] = value.reshape(1, -1)
            else:
                out[queue_ptr_key] = value.reshape(1)
            continue
        key = key.replace('_m.module.', '_m.').replace('itm_head.fc.',
                                                       'itm_head.')
        out[key] = value
    return out


def test_albef_official_layout_loads_strictly():
    source = build(albef_cfg(), seed=1)
    official = _to_official(source.state_dict(), 'queue_ptr')
    assert 'image_queue' in official and 'visual_encoder_m.blocks.0.norm1.' \
        'weight' in official
    # the retrieval model's BERT has no `bert.` level
    retrieval_style = {
        k.replace('text_encoder.bert.', 'text_encoder.').replace(
            'text_encoder_m.bert.', 'text_encoder_m.'): v
        for k, v in official.items()
    }
    for variant in (official, retrieval_style):
        target = build(albef_cfg(), seed=2)
        target.load_state_dict(albef_to_mmvp(variant), strict=True)
        for key, value in source.state_dict().items():
            if not key.endswith('_m.steps'):
                assert torch.equal(target.state_dict()[key], value), key


def test_blip_official_layout_loads_strictly():
    source = build(blip_cfg(), seed=1)
    official = _to_official(source.state_dict(), 'ptr_queue')
    # BLIP's text encoder is a BertModel (no `bert.` level) without
    # token-type embeddings
    official = {
        k.replace('text_encoder.bert.', 'text_encoder.').replace(
            'text_encoder_m.bert.', 'text_encoder_m.'): v
        for k, v in official.items() if 'token_type_embeddings' not in k
    }
    target = build(blip_cfg(), seed=2)
    target.load_state_dict(blip_to_mmvp(official), strict=True)
    for key, value in source.state_dict().items():
        if 'token_type' in key:
            assert not target.state_dict()[key].any()
        elif not key.endswith('_m.steps'):
            assert torch.equal(target.state_dict()[key], value), key


def test_blip_mmpretrain_layout_loads_strictly():
    """mmpretrain's BlipRetrieval names (vision_backbone with mmpretrain's
    ViT keys, text_backbone, necks, head queues, multimodal_head)."""
    from mmvision_plus.models.backbones.dinov2_convert import \
        official_to_mmpretrain
    source = build(blip_cfg(), seed=1)
    official = _to_official(source.state_dict(), 'ptr_queue')
    renames = (('visual_encoder', 'vision_backbone'),
               ('text_encoder', 'text_backbone'),
               ('vision_proj', 'vision_neck'), ('text_proj', 'text_neck'),
               ('itm_head', 'multimodal_head.fc'),
               ('text_decoder', 'seq_gen_head.decoder'))
    mm = {}
    for group in ('visual_encoder', 'visual_encoder_m'):
        vit = {k[len(group) + 1:]: v for k, v in official.items()
               if k.startswith(group + '.')}
        target = group.replace('visual_encoder', 'vision_backbone')
        vit = dict(vit, mask_token=torch.zeros(1, 24))
        mm.update({f'{target}.{k}': v
                   for k, v in official_to_mmpretrain(vit).items()})
    for key, value in official.items():
        if key.startswith('visual_encoder'):
            continue
        if key in ('image_queue', 'text_queue', 'idx_queue', 'temp'):
            mm[f'head.{key}'] = value
            continue
        if key == 'ptr_queue':
            mm['head.queue_ptr'] = value
            continue
        for old, new in renames:
            for suffix in ('', '_m'):
                if key.startswith(f'{old}{suffix}.'):
                    key = new + suffix + key[len(old + suffix):]
                    break
            else:
                continue
            break
        mm[key.replace('text_backbone.bert.', 'text_backbone.').replace(
            'text_backbone_m.bert.', 'text_backbone_m.')] = value
    assert any(k.startswith('vision_backbone.layers.0.ln1') for k in mm)
    target = build(blip_cfg(), seed=2)
    target.load_state_dict(blip_to_mmvp(mm), strict=True)
    for key, value in source.state_dict().items():
        if not key.endswith('_m.steps'):
            assert torch.equal(target.state_dict()[key], value), key
