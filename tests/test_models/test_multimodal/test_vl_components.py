"""Shared VL pieces: momentum copies and the feature queue, distillation
targets, MLM masking, ITM re-ranking and retrieval predictions, recall
metrics, the retrieval means."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample
from torch import nn

from mmvision_plus.engine.hooks import add_retrieval_means
from mmvision_plus.evaluation import ImageTextRecall
from mmvision_plus.evaluation.functional import (image_text_recall,
                                                 image_text_recall_loop)
from mmvision_plus.models.losses import IGNORE_INDEX
from mmvision_plus.models.multimodal import (NOT_RERANKED,
                                             ImageTextFeatureQueue,
                                             MomentumDistillation,
                                             distillation_targets,
                                             mask_tokens, momentum_copy,
                                             rerank_topk,
                                             rerank_topk_per_query,
                                             retrieval_predictions)


def test_momentum_copy_is_albef_ema():
    online = nn.Linear(3, 2)
    ema = momentum_copy(online, momentum=0.9)
    assert not any(p.requires_grad for p in ema.module.parameters())
    with torch.no_grad():
        online.weight.fill_(1.0)
    ema.update_parameters(online)  # first update copies
    assert torch.equal(ema.module.weight, online.weight)
    before = ema.module.weight.clone()
    with torch.no_grad():
        online.weight.fill_(3.0)
    ema.update_parameters(online)
    assert torch.allclose(ema.module.weight, 0.9 * before + 0.1 * 3.0)
    with pytest.raises(ValueError):
        momentum_copy(online, momentum=1.0)


def test_queue_wraps_around_and_keeps_ids():
    queue = ImageTextFeatureQueue(queue_size=5, embed_dims=2)
    assert bool((queue.image_ids == -1).all())
    assert torch.allclose(queue.image_feats.norm(dim=1), torch.ones(5))
    feats = torch.arange(6, dtype=torch.float).reshape(3, 2)
    queue.enqueue(feats, -feats, torch.tensor([7, 8, 9]))
    assert int(queue.ptr) == 3
    queue.enqueue(feats + 10, -feats, torch.tensor([1, 2, 3]))
    assert int(queue.ptr) == 1  # 3 + 3 wraps around 5
    assert queue.image_ids.tolist() == [3, 8, 9, 1, 2]
    assert torch.equal(queue.image_feats[0], feats[2] + 10)
    assert torch.equal(queue.text_feats[1], -feats[1])
    image_keys, text_keys, ids = queue.keys(feats[:1], feats[:1],
                                            torch.tensor([4]))
    assert image_keys.shape == (6, 2) and ids.tolist() == [4, 3, 8, 9, 1, 2]
    # a batch larger than the queue keeps its last rows
    queue.enqueue(torch.ones(7, 2), torch.ones(7, 2), torch.arange(7))
    assert sorted(queue.image_ids.tolist()) == [2, 3, 4, 5, 6]


def test_distillation_targets_and_same_image_positives():
    hard = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    out = distillation_targets(logits, hard, 0.4)
    expected = 0.4 * F.softmax(logits, 1) + 0.6 * hard / hard.sum(
        1, keepdim=True)
    assert torch.allclose(out, expected)
    assert torch.allclose(out.sum(1), torch.ones(2))
    assert torch.equal(distillation_targets(logits, hard, 0.0),
                       hard / hard.sum(1, keepdim=True))
    distill = MomentumDistillation(queue_size=4, embed_dims=3, alpha=0.0)
    distill.queue.enqueue(torch.eye(3)[:2], torch.eye(3)[:2],
                          torch.tensor([5, 6]))
    feats = F.normalize(torch.randn(2, 3), dim=1)
    image_keys, text_keys, i2t, t2i = distill.targets(
        feats, feats, torch.tensor([6, 2]), 0.07)
    # keys: batch (ids 6, 2) then queue (ids 5, 6, -1, -1)
    assert image_keys.shape == (6, 3)
    assert i2t[0].tolist() == pytest.approx([0.5, 0, 0, 0.5, 0, 0])
    assert i2t[1].tolist() == pytest.approx([0, 1, 0, 0, 0, 0])
    assert torch.equal(i2t, t2i)


def test_mask_tokens_bert_rule():
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(10, 1000, (64, 40), generator=gen)
    ids[:, 0], ids[:, -1], ids[:, 30:39] = 2, 3, 0  # [CLS], [SEP], [PAD]
    masked, labels = mask_tokens(ids, mask_token_id=4, vocab_size=1000,
                                 special_token_ids=(0, 2, 3),
                                 mask_prob=0.15, generator=gen)
    chosen = labels != IGNORE_INDEX
    special = (ids == 0) | (ids == 2) | (ids == 3)
    assert not bool(chosen[special].any())
    assert torch.equal(masked[special], ids[special])
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(masked[~chosen], ids[~chosen])
    rate = float(chosen.sum()) / float((~special).sum())
    assert 0.13 < rate < 0.17
    as_mask = float((masked[chosen] == 4).float().mean())
    kept = float((masked[chosen] == ids[chosen]).float().mean())
    assert 0.75 < as_mask < 0.85 and 0.06 < kept < 0.14


def _pair_scorer(table):
    return lambda q, g: table[q, g]


def test_rerank_matches_per_query_loop():
    gen = torch.Generator().manual_seed(1)
    sim = torch.randn(7, 11, generator=gen)
    itm = torch.randn(7, 11, generator=gen)
    for add in (False, True):
        batched = rerank_topk(sim, _pair_scorer(itm), topk=4, batch_size=5,
                              add_similarity=add, progress=False)
        loop = rerank_topk_per_query(sim, _pair_scorer(itm), topk=4,
                                     add_similarity=add)
        assert torch.equal(batched, loop)
        top = sim.topk(4, dim=1).indices
        outside = torch.ones_like(sim, dtype=torch.bool).scatter_(1, top,
                                                                  False)
        assert bool((batched[outside] == NOT_RERANKED).all())


def test_itm_reranking_changes_the_order_as_expected():
    # ITC prefers gallery 0 > 1 > 2 > 3; ITM says 2 is the match, and 3
    # (outside the top 3) would score even higher but is never re-ranked
    sim = torch.tensor([[0.9, 0.8, 0.7, 0.1]])
    itm = torch.tensor([[-1.0, 0.0, 2.0, 5.0]])
    scores = rerank_topk(sim, _pair_scorer(itm), topk=3, progress=False)
    assert scores.argsort(dim=1, descending=True)[0].tolist() == [2, 1, 0, 3]
    assert float(scores[0, 3]) == NOT_RERANKED
    blip = rerank_topk(sim, _pair_scorer(itm), topk=3, add_similarity=True,
                       progress=False)
    assert blip[0, :3].tolist() == pytest.approx([-0.1, 0.8, 2.7])


def test_recall_on_hand_made_similarity():
    # 3 images, 5 texts: texts 0,1 -> image 0, 2 -> image 1, 3,4 -> image 2
    text_to_image = torch.tensor([0, 0, 1, 2, 2])
    i2t = torch.tensor([[0.1, 0.9, 0.8, 0.0, 0.0],    # rank 0 (text 1)
                        [0.9, 0.0, 0.5, 0.6, 0.0],    # text 2 at rank 2
                        [0.0, 0.0, 0.0, 0.0, 0.0]])   # ties: text 3 rank 3
    t2i = torch.tensor([[1.0, 0.0, 0.0],              # rank 0
                        [0.0, 1.0, 0.5],              # image 0 at rank 2
                        [0.0, 1.0, 0.0],              # rank 0
                        [0.0, 0.0, 0.0],              # ties: image 2 rank 2
                        [0.0, 0.2, 0.9]])             # rank 0
    expected = {'i2t/R1': 100 / 3, 't2i/R1': 60.0}
    for fn in (image_text_recall, image_text_recall_loop):
        out = fn(i2t, t2i, text_to_image, ks=(1, 3))
        assert out['i2t/R1'] == pytest.approx(expected['i2t/R1'])
        assert out['i2t/R3'] == pytest.approx(200 / 3)
        assert out['t2i/R1'] == pytest.approx(expected['t2i/R1'])
        assert out['t2i/R3'] == pytest.approx(100.0)
        assert out['r_mean'] == pytest.approx(
            (100 / 3 + 200 / 3 + 60 + 100) / 4)
    # the loop metric on the same predictions (as the retrieval loops feed)
    samples = [
        DataSample(text=['a', 'b'], gt_text_id=[0, 1], gt_image_id=[0, 0]),
        DataSample(text=['c'], gt_text_id=[2], gt_image_id=[1]),
        DataSample(text=['d', 'e'], gt_text_id=[3, 4], gt_image_id=[2, 2]),
    ]
    i2t_pred, t2i_pred = retrieval_predictions(i2t, t2i, samples)
    assert [p.gt_label.tolist() for p in t2i_pred] == [[0], [0], [1], [2],
                                                       [2]]
    for preds, key in ((i2t_pred, 'i2t/R1'), (t2i_pred, 't2i/R1')):
        metric = ImageTextRecall(topk=(1, 3))
        metric.process(None, preds)
        result = metric.compute_metrics(metric.results)
        assert result['R1'] == pytest.approx(expected[key])


def test_retrieval_means():
    metrics = {'i2t/retrieval/R1': 40.0, 't2i/retrieval/R1': 20.0,
               'i2t/retrieval/R5': 80.0, 't2i/retrieval/R5': 60.0,
               'i2t/other': 1.0, 't2i/other': 3.0, 'i2t/R1x': 9.0,
               't2i/R1x': 9.0}
    add_retrieval_means(metrics)
    assert metrics['mean/retrieval/R1'] == 30.0
    assert metrics['mean/retrieval/R5'] == 70.0
    assert metrics['mean/other'] == 2.0
    assert metrics['r_mean'] == 50.0  # recalls only
    # mmpretrain's metric names count as recalls too
    mm = add_retrieval_means({'i2t/retrieval/Recall@1': 10.0,
                              't2i/retrieval/Recall@1': 30.0})
    assert mm['r_mean'] == 20.0


def test_vit_encoder_resizes_position_embeddings_as_albef():
    """A 256 px checkpoint (16 x 16 patches) loads into a 384 px encoder
    (24 x 24): ALBEF's ``interpolate_pos_embed`` (bicubic, [CLS] kept)."""
    from mmvision_plus.models.multimodal import ViTImageEncoder
    small = ViTImageEncoder(img_size=256, embed_dims=24, num_layers=1,
                            num_heads=2)
    large = ViTImageEncoder(img_size=384, embed_dims=24, num_layers=1,
                            num_heads=2)
    large.load_state_dict(small.state_dict())
    grid = small.pos_embed[:, 1:].reshape(1, 16, 16, 24).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=(24, 24), mode='bicubic',
                         align_corners=False)
    expected = torch.cat(
        [small.pos_embed[:, :1],
         grid.permute(0, 2, 3, 1).reshape(1, 576, 24)], dim=1)
    torch.testing.assert_close(large.pos_embed.data, expected.data,
                               rtol=0, atol=0)
    with pytest.raises(ValueError, match='not a square grid'):
        large.load_state_dict(dict(small.state_dict(),
                                   pos_embed=torch.zeros(1, 1 + 15, 24)))
