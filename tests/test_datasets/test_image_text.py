"""KarpathyImageText: both layouts, sizes, and named errors on bad input."""
import json

import numpy as np
import pytest
from PIL import Image

from mmvision_plus.datasets import ImageTextFormatError, KarpathyImageText


@pytest.fixture
def root(tmp_path):
    for name in ('a.png', 'b.png'):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / name)
    return tmp_path


def write(root, records, name='ann.json'):
    (root / name).write_text(json.dumps(records))
    return name


def test_train_and_test_layouts(root):
    # ALBEF / BLIP training files hold one record per caption, test files
    # one per image: both merge by image path
    ann = write(root, [dict(image='a.png', caption='a red circle'),
                       dict(image='b.png', caption=['x y', 'z']),
                       dict(image='a.png', caption='a red disc')])
    train = KarpathyImageText(ann, data_root=str(root))
    assert (train.img_size, train.text_size) == (2, 4)
    assert [(d['image_id'], d['text'], d['text_id']) for d in train] == [
        (0, 'a red circle', 0), (0, 'a red disc', 1), (1, 'x y', 2),
        (1, 'z', 3)]
    test = KarpathyImageText(ann, data_root=str(root), test_mode=True)
    assert len(test) == 2
    first = test[0]
    assert first['text'] == ['a red circle', 'a red disc']
    assert first['gt_text_id'] == [0, 1] and first['gt_image_id'] == [0, 0]
    assert first['gt_caption'] == first['text']
    assert test[1]['gt_text_id'] == [2, 3]


@pytest.mark.parametrize('records,match', [
    ([dict(image='a.png', caption='')], r'record 0: field "caption" entry 0 '
     'is empty'),
    ([dict(image='a.png', caption=['ok', '  '])], 'entry 1 is empty'),
    ([dict(image='a.png', caption='ok'), dict(caption='no image')],
     r'record 1: missing field "image"'),
    ([dict(image='a.png')], 'missing field "caption"'),
    ([dict(image='a.png', caption=[])], 'non-empty list'),
    (['a.png'], 'expected a dict'),
    ([], 'non-empty JSON list'),
])
def test_bad_annotations_name_file_record_and_field(root, records, match):
    ann = write(root, records)
    with pytest.raises(ImageTextFormatError, match=match) as info:
        KarpathyImageText(ann, data_root=str(root))
    assert 'ann.json' in str(info.value)


def test_missing_image_is_named(root):
    ann = write(root, [dict(image='a.png', caption='x'),
                       dict(image='gone.png', caption='y')])
    with pytest.raises(FileNotFoundError, match=r'ann.json: record 1: image '
                       r'.*gone.png does not exist'):
        KarpathyImageText(ann, data_root=str(root))
    assert len(KarpathyImageText(ann, data_root=str(root),
                                 check_images=False)) == 2
