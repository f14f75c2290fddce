"""BEiT-3 on torchscale: expert routing (forward hooks on the A / B
copies), official key layout loaded strictly, dual-encoder and fusion
outputs, masked data modelling, layer depths."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmvision_plus.registry import MODELS
from tests.test_models.test_multimodal.vl2_fixtures import (
    beit3_cfg, masked_batch, record_calls, unimodal_experts, visual_tokenizer,
    write_codebook)
from tests.test_models.test_multimodal.vl_fixtures import build


def ffn_calls(model):
    """(layer, 'A' vision / 'B' language, tokens) of every FFN call."""
    return record_calls((i, way, getattr(layer.ffn, way))
                        for i, layer in enumerate(model.beit3.encoder.layers)
                        for way in ('A', 'B'))


def test_text_tokens_never_pass_the_vision_ffn(test_batch):
    model = build(beit3_cfg(tasks=('itc', 'itm'))).eval()
    images, samples = test_batch
    calls = ffn_calls(model)
    ids, mask = model.tokenize(model.texts_of(samples))
    with torch.no_grad():
        assert unimodal_experts(model, calls, images, ids,
                                mask) == ({'A'}, {'B'})
        model.match_logits(images[[0, 1]], ids[:2], mask[:2])
    # fused: the 5 image tokens through A, the 40 text tokens through B
    assert sorted(calls) == [(0, 'A', 5), (0, 'B', 40), (1, 'A', 5),
                             (1, 'B', 40)]


def test_outputs_deterministic_in_eval(test_batch):
    model = build(beit3_cfg(tasks=('itc', 'itm'), rerank_topk=2)).eval()
    images, samples = test_batch
    with torch.no_grad():
        first = model.extract_feat(images, samples)
        second = model.extract_feat(images, samples)
        ids, mask = first['text_ids'], first['text_mask']
        fused = [model.match_logits(images[[0, 1]], ids[:2], mask[:2])
                 for _ in range(2)]
        i2t, t2i = model.predict_all(first, samples)
    for key in first:
        assert torch.equal(first[key], second[key]), key
    assert torch.equal(*fused) and fused[0].shape == (2, 2)
    assert len(i2t) == 2 and len(t2i) == 5


def official_retrieval_state_dict(seed=5):
    """A BEiT3ForRetrieval state dict as the official code makes it:
    torchscale's BEiT3 under ``beit3.`` plus the two heads and the scale."""
    from torchscale.architecture.config import EncoderConfig
    from torchscale.model.BEiT3 import BEiT3 as TorchscaleBEiT3
    torch.manual_seed(seed)
    args = EncoderConfig(img_size=32, patch_size=16, vocab_size=63,
                         multiway=True, layernorm_embedding=False,
                         normalize_output=True, no_output_layer=True,
                         encoder_embed_dim=24, encoder_attention_heads=2,
                         encoder_ffn_embed_dim=48, encoder_layers=2)
    beit3 = TorchscaleBEiT3(args)
    state = {f'beit3.{k}': v for k, v in beit3.state_dict().items()}
    state['language_head.weight'] = torch.randn(24, 24)
    state['vision_head.weight'] = torch.randn(24, 24)
    state['logit_scale'] = torch.tensor(2.5)
    return beit3.eval(), state


def test_official_layout_loads_strictly(test_batch):
    beit3, state = official_retrieval_state_dict()
    model = build(beit3_cfg(tasks=('itc', ))).eval()
    model.load_state_dict(state, strict=True)
    images, samples = test_batch
    ids, mask = model.tokenize(model.texts_of(samples))
    with torch.no_grad():
        feats = model.extract_feat(images, samples)
        vision = beit3(visual_tokens=images)['encoder_out'][:, 0]
        text = beit3(textual_tokens=ids, text_padding_position=mask == 0
                     )['encoder_out'][:, 0]
    torch.testing.assert_close(feats['image_feat'], torch.nn.functional.
                               normalize(vision @ state['vision_head.weight']
                                         .t(), dim=-1))
    torch.testing.assert_close(feats['text_feat'], torch.nn.functional.
                               normalize(text @ state['language_head.weight']
                                         .t(), dim=-1))


def test_masked_data_modelling_on_images_texts_and_pairs(tmp_path):
    codebook = write_codebook(str(tmp_path / 'codebook.pth'))
    model = build(beit3_cfg(tasks=('mdm', ),
                            visual_tokenizer=visual_tokenizer(codebook),
                            text_mask_prob=0.5))
    images, samples = masked_batch()
    losses = model.loss(images, samples)
    assert set(losses) == {'loss_mim', 'loss_mlm', 'loss_vl_mlm',
                           'loss_vl_mim'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    for param in (model.mim_head.weight, model.mlm_head.weight,
                  model.beit3.vision_embed.mask_token):
        assert param.grad is not None and param.grad.abs().sum() > 0


def test_downstream_losses_and_bad_tasks(train_batch):
    model = build(beit3_cfg(tasks=('itc', 'itm')))
    images, samples = train_batch
    losses = model.loss(images, samples)
    assert {'loss_itc', 'loss_itm'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    with pytest.raises(ValueError, match='tasks'):
        build(beit3_cfg(tasks=('itm', )))
    with pytest.raises(ValueError, match='visual_tokenizer'):
        build(beit3_cfg(tasks=('mdm', )))
    # a pretraining model builds before its codebook exists (the file is
    # read when the weights are initialised)
    pretraining = MODELS.build(beit3_cfg(
        tasks=('mdm', ), visual_tokenizer=dict(
            type='KMeansVisualTokenizer', codebook='none.pth',
            num_tokens=8)))
    with pytest.raises(RuntimeError, match="no 'itc' heads"):
        pretraining.encode_images(images)
    with pytest.raises(KeyError, match='"mask"'):
        pretraining.mdm_losses(images, *pretraining.tokenize(
            ['a', 'b', 'c', 'd']), [DataSample(text='a')] * 4)
    with pytest.raises(FileNotFoundError, match='build_visual_tokenizer'):
        pretraining.init_weights()


def test_layer_depths_for_layer_decay():
    model = build(beit3_cfg())
    assert model.get_layer_depth('beit3.vision_embed.cls_token') == (0, 4)
    assert model.get_layer_depth('beit3.encoder.embed_positions.A.weight'
                                 ) == (0, 4)
    assert model.get_layer_depth(
        'beit3.encoder.layers.1.ffn.A.fc1.weight') == (2, 4)
    assert model.get_layer_depth('vision_head.weight') == (3, 4)


def test_from_scratch_features_differ_between_inputs():
    """Embeddings start at BEiT's std 0.02, not torchscale's N(0, 1)
    position tables: otherwise every image's [CLS] feature starts nearly
    the same (mean cosine ~0.98 at the demo width) and ITC collapses."""
    torch.manual_seed(0)
    model = build(beit3_cfg(
        tasks=('itc', ),
        arch=dict(img_size=64, patch_size=16, encoder_embed_dim=96,
                  encoder_attention_heads=2, encoder_ffn_embed_dim=192,
                  encoder_layers=2))).eval()
    for table in (model.beit3.text_embed, *model.beit3.encoder.
                  embed_positions.modules()):
        if isinstance(table, torch.nn.Embedding):
            assert table.weight.std() < 0.03
    with torch.no_grad():
        feats = model.encode_images(torch.randn(8, 3, 64, 64))['image_feat']
    cosine = feats @ feats.t()
    off_diagonal = cosine[~torch.eye(8, dtype=torch.bool)]
    assert off_diagonal.mean() < 0.8
