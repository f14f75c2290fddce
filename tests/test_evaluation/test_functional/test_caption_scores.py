"""Python PTB tokenisation and BLEU / CIDEr-D against the recorded Java
path of pycocoevalcap (tests/data/caption_eval/ptb_java_record.json,
written by make_ptb_java_record.py on a machine with Java)."""
import json
import shutil
from pathlib import Path

import pytest

from mmvision_plus.evaluation import CaptionBleuCider
from mmvision_plus.evaluation.functional import (caption_scores,
                                                 ptb_tokenize)

RECORD = Path(__file__).parents[2] / 'data' / 'caption_eval' / \
    'ptb_java_record.json'


@pytest.fixture(scope='module')
def record():
    return json.loads(RECORD.read_text())


def test_python_tokens_equal_the_java_tokens(record):
    assert len(record['captions']) > 600
    mismatches = [(c, ptb_tokenize(c), j) for c, j in zip(
        record['captions'], record['java_tokens']) if ptb_tokenize(c) != j]
    assert not mismatches, mismatches[:5]


def test_scores_equal_the_java_path(record):
    scores = caption_scores(record['predictions'], record['references'])
    assert scores == pytest.approx(record['java_scores'], abs=1e-12)
    assert set(scores) == {'Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'CIDEr'}


@pytest.mark.skipif(shutil.which('java') is None, reason='needs Java')
def test_java_path_still_agrees(record):
    subset_keys = sorted(record['predictions'])[:40]
    preds = {k: record['predictions'][k] for k in subset_keys}
    refs = {k: record['references'][k] for k in subset_keys}
    assert caption_scores(preds, refs, 'java') == pytest.approx(
        caption_scores(preds, refs, 'python'), abs=1e-12)


def test_caption_metric_and_bad_input():
    metric = CaptionBleuCider()
    metric.process(None, [
        dict(pred_caption='a red circle above a blue square',
             gt_caption=['a red circle above a blue square',
                         'a blue square below a red circle']),
        dict(pred_caption='a green star',
             gt_caption=['a small green star in the center'])
    ])
    scores = metric.compute_metrics(metric.results)
    expected = caption_scores(
        {'0': 'a red circle above a blue square', '1': 'a green star'},
        {'0': ['a red circle above a blue square',
               'a blue square below a red circle'],
         '1': ['a small green star in the center']})
    assert scores == expected and scores['CIDEr'] > 0
    with pytest.raises(KeyError, match='gt_caption'):
        metric.process(None, [dict(pred_caption='x')])
    with pytest.raises(ValueError, match='same keys'):
        caption_scores({'a': 'x'}, {'b': ['x']})
