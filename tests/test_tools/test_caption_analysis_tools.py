"""caption_baseline.py and caption_identifiability.py: the reference
numbers beside the demo retrieval and captioning results, with records."""
import json
import os.path as osp
import sys
from collections import Counter

import pytest

from mmvision_plus.evaluation.functional import caption_scores
from tests.conftest import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))


def _annotation(world: str, split: str) -> str:
    return osp.join(world, 'annotations', f'retrieval_{split}.json')


def _captions(entry: dict) -> list:
    captions = entry['caption']
    return [captions] if isinstance(captions, str) else list(captions)


def test_constant_caption_baseline_scores_the_most_common_caption(
        tmp_path, tiny_caption_world):
    import caption_baseline
    record_path = tmp_path / 'baseline.json'
    train, val = (_annotation(tiny_caption_world, s) for s in ('train', 'val'))
    result = caption_baseline.main([train, val, '--record',
                                    str(record_path)])

    with open(train) as f:
        counts = Counter(c for e in json.load(f) for c in _captions(e))
    assert result['caption'] == counts.most_common(1)[0][0]
    assert result['count'] == counts.most_common(1)[0][1]
    references = {}
    with open(val) as f:
        for entry in json.load(f):
            references.setdefault(entry['image'], []).extend(
                _captions(entry))
    expected = caption_scores({k: result['caption'] for k in references},
                              references)
    for name, value in expected.items():
        assert result[name] == pytest.approx(value)

    record = json.loads(record_path.read_text())
    assert record['baseline']['caption'] == result['caption']
    assert 'caption_baseline.py' in record['tool']['command']
    assert record['tool']['environment']['packages']['mmvision_plus']


def test_identifiability_bounds_and_record(tmp_path):
    import caption_identifiability
    from mmvision_plus.datasets.demo_world import generate_demo_world
    world = str(tmp_path / 'demo_world')  # captions and the scene contents
    generate_demo_world(world, seed=0, num_train=4, num_val=6, img_size=64,
                        captions_per_image=3, only=('detection', 'captions'))
    record_path = tmp_path / 'identifiability.json'
    report = caption_identifiability.main(
        [world, '--split', 'val', '--record', str(record_path)])
    with open(_annotation(world, 'val')) as f:
        entries = json.load(f)
    assert report['num_captions'] == sum(len(_captions(e)) for e in entries)
    # Every caption matches at least its own image, so the ceiling (mean of
    # 1 / matches) lies between the unique share and 1, and a caption
    # matching one image contributes 1 to both.
    assert report['mean_matches'] >= 1
    assert report['unique_share'] <= report['r1_ceiling'] <= 1
    assert report['r1_ceiling'] >= 1 / report['num_images']
    record = json.loads(record_path.read_text())
    assert record['report']['r1_ceiling'] == pytest.approx(
        report['r1_ceiling'])
    assert '--split val' in record['tool']['command']
