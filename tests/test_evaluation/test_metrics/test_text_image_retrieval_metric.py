"""TextImageRetrievalMetric: gathering, cosine similarity, feature sets."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.evaluator import Evaluator
from mmpretrain.structures import DataSample

import mmvision_plus
from mmvision_plus.evaluation.functional import text_image_rank
from mmvision_plus.evaluation.metrics import TextImageRetrievalMetric
from mmvision_plus.registry import METRICS

PIDS = [5, 5, 9, 2]
NUM_CAPTIONS = [2, 1, 3, 1]


def _predictions(dim=8, with_gl=False, seed=0):
    """Random features; returns (predictions, query feats, gallery feats)."""
    gen = torch.Generator().manual_seed(seed)
    preds, queries, gallery = [], [], []
    for pid, num in zip(PIDS, NUM_CAPTIONS):
        sample = DataSample().set_gt_label(pid)
        image = torch.randn(dim, generator=gen) * 3
        texts = torch.randn(num, dim, generator=gen)
        sample.image_feat = image
        sample.text_feats = texts
        if with_gl:
            sample.image_feat_gl = torch.cat([image, image])
            sample.text_feats_gl = torch.cat([texts, -texts], dim=1)
        preds.append(sample)
        queries.append(texts)
        gallery.append(image)
    return preds, torch.cat(queries), torch.stack(gallery)


def _expected(queries, gallery):
    sim = F.normalize(queries, dim=1) @ F.normalize(gallery, dim=1).t()
    query_pids = [p for p, n in zip(PIDS, NUM_CAPTIONS) for _ in range(n)]
    return text_image_rank(sim, query_pids, PIDS)


def test_metric_equals_functional_on_cosine_similarity():
    preds, queries, gallery = _predictions()
    metric = TextImageRetrievalMetric()
    metric.process({}, preds[:3])
    metric.process({}, [p.to_dict() for p in preds[3:]])  # dict form too
    result = metric.evaluate(len(preds))
    expected = _expected(queries, gallery)
    assert set(result) == {f'tbps/{k}' for k in expected}
    for key, value in expected.items():
        assert result[f'tbps/{key}'] == pytest.approx(value)


def test_feature_norms_do_not_matter():
    preds, queries, gallery = _predictions(seed=1)
    scaled, _, _ = _predictions(seed=1)
    for i, sample in enumerate(scaled):
        sample.image_feat = sample.image_feat * (i + 1) * 10
        sample.text_feats = sample.text_feats * 0.01
    results = []
    for samples in (preds, scaled):
        metric = TextImageRetrievalMetric(prefix='x')
        metric.process({}, samples)
        results.append(metric.evaluate(len(samples)))
    assert results[0] == results[1]


def test_optional_global_local_set():
    preds, queries, gallery = _predictions(with_gl=True, seed=2)
    metric = TextImageRetrievalMetric()
    metric.process({}, preds)
    result = metric.evaluate(len(preds))
    expected = _expected(torch.cat([queries, -queries], dim=1),
                         torch.cat([gallery, gallery], dim=1))
    for key, value in expected.items():
        assert result[f'tbps/global_local_{key}'] == pytest.approx(value)
    assert 'tbps/R1' in result and len(result) == 10


def test_missing_and_partial_features_are_errors():
    preds, _, _ = _predictions()
    del preds[0].image_feat
    metric = TextImageRetrievalMetric()
    with pytest.raises(KeyError, match="'global'.*'image_feat'"):
        metric.process({}, preds)

    preds, _, _ = _predictions(with_gl=True)
    del preds[1].image_feat_gl
    del preds[1].text_feats_gl
    metric = TextImageRetrievalMetric()
    metric.process({}, preds)
    with pytest.raises(ValueError, match='3 of 4 predictions'):
        metric.evaluate(len(preds))

    sample = DataSample()
    sample.image_feat = torch.zeros(4)
    sample.text_feats = torch.zeros(1, 4)
    with pytest.raises(KeyError, match='gt_label'):
        TextImageRetrievalMetric().process({}, [sample])
    sample.set_gt_label(1)
    sample.text_feats = torch.zeros(1, 5)
    with pytest.raises(ValueError, match=r'\(num_captions, D\)'):
        TextImageRetrievalMetric().process({}, [sample])


def test_built_from_registry_in_an_evaluator():
    mmvision_plus.register_all_modules(init_default_scope=False)
    metric = METRICS.build(
        dict(type='TextImageRetrievalMetric',
             feature_sets={'main': ('image_feat', 'text_feats')}))
    assert isinstance(metric, TextImageRetrievalMetric)
    preds, queries, gallery = _predictions(seed=3)
    evaluator = Evaluator([metric])
    evaluator.process(data_samples=preds)
    result = evaluator.evaluate(len(preds))
    assert result['tbps/R1'] == pytest.approx(
        _expected(queries, gallery)['R1'])
