"""Bad input: missing / corrupt images and malformed COCO json give errors
naming the file (and the record and field)."""
import copy
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmengine.registry import DefaultScope

from mmvision_plus.datasets import (CocoFormatError, StrictCocoDataset,
                                    load_coco_json, validate_coco_dict)
from mmvision_plus.datasets.transforms import StrictLoadImageFromFile
from mmvision_plus.registry import DATASETS, TRANSFORMS
from mmvision_plus.utils import register_all_modules

register_all_modules()


def good_coco() -> dict:
    return dict(
        images=[dict(id=1, file_name='a.png', width=12, height=10),
                dict(id=2, file_name='b.png', width=12, height=10)],
        categories=[dict(id=1, name='circle'), dict(id=2, name='square')],
        annotations=[
            dict(id=5, image_id=1, category_id=1, bbox=[1, 1, 4, 4],
                 area=16, iscrowd=0, segmentation=[[1, 1, 5, 1, 5, 5, 1, 5]]),
            dict(id=6, image_id=2, category_id=2, bbox=[0, 0, 12, 1],
                 area=12, iscrowd=1,
                 segmentation=dict(size=[10, 12], counts=[0, 1, 119])),
            dict(id=7, image_id=2, category_id=1, bbox=[2, 2, 3, 3],
                 area=9, iscrowd=0),
        ])


@pytest.fixture
def coco_dir(tmp_path):
    (tmp_path / 'images').mkdir()
    for name in ('a.png', 'b.png'):
        cv2.imwrite(str(tmp_path / 'images' / name),
                    np.full((10, 12, 3), 128, np.uint8))
    (tmp_path / 'ann.json').write_text(json.dumps(good_coco()))
    return tmp_path


def build_dataset(root, pipeline=()):
    return StrictCocoDataset(data_root=str(root), ann_file='ann.json',
                             data_prefix=dict(img='images/'),
                             metainfo=dict(classes=('circle', 'square')),
                             pipeline=list(pipeline), test_mode=True)


def test_valid_file_loads(coco_dir):
    ds = build_dataset(coco_dir, [dict(type='StrictLoadImageFromFile')])
    assert len(ds) == 2
    assert ds[0]['img'].shape == (10, 12, 3)
    assert load_coco_json(str(coco_dir / 'ann.json')) == good_coco()


def test_registered_names_and_scope():
    """Ours have names of their own; the upstream names stay upstream's."""
    from mmcv.transforms import LoadImageFromFile as MMCVLoad
    from mmdet.datasets import CocoDataset
    from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
    from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
    from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
    assert StrictCocoDataset is not CocoDataset
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        assert DATASETS.get('StrictCocoDataset') is StrictCocoDataset
        assert TRANSFORMS.get('StrictLoadImageFromFile') is \
            StrictLoadImageFromFile
        # in our scope, too, the upstream names mean the upstream classes
        assert DATASETS.get('CocoDataset') is CocoDataset
        assert TRANSFORMS.get('LoadImageFromFile') is MMCVLoad
    assert 'CocoDataset' not in DATASETS.module_dict
    assert 'LoadImageFromFile' not in TRANSFORMS.module_dict
    # ours from the other scopes, with our scope prefix
    with DefaultScope.overwrite_default_scope('mmdet'):
        assert MMDET_DATASETS.get('CocoDataset') is CocoDataset
        assert MMDET_DATASETS.get(
            'mmvision_plus.StrictCocoDataset') is StrictCocoDataset
        assert MMDET_TRANSFORMS.get('LoadImageFromFile') is MMCVLoad
        assert MMDET_TRANSFORMS.get('mmvision_plus.StrictLoadImageFromFile'
                                    ) is StrictLoadImageFromFile
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        assert MMPRETRAIN_DATASETS.get(
            'mmvision_plus.StrictCocoDataset') is StrictCocoDataset
        assert MMPRETRAIN_TRANSFORMS.get(
            'mmvision_plus.StrictLoadImageFromFile'
        ) is StrictLoadImageFromFile


# -- images -------------------------------------------------------------
def test_missing_image_names_the_file(coco_dir):
    (coco_dir / 'images' / 'b.png').unlink()
    ds = build_dataset(coco_dir, [dict(type='StrictLoadImageFromFile')])
    path = osp.join(str(coco_dir), 'images/', 'b.png')
    with pytest.raises(FileNotFoundError, match='image file not found') as e:
        ds[1]
    assert path in str(e.value)
    # ignore_empty keeps mmcv's behaviour
    loader = StrictLoadImageFromFile(ignore_empty=True)
    assert loader(dict(img_path=path)) is None


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
@pytest.mark.parametrize('content,reason', [
    (b'', 'empty'),
    (b'this is not an image at all', 'cannot decode'),
    (b'\x89PNG\r\n\x1a\n' + b'\x00' * 40, 'cannot decode'),
])
def test_corrupt_image_names_the_file(tmp_path, backend, content, reason):
    path = tmp_path / 'broken.png'
    path.write_bytes(content)
    loader = StrictLoadImageFromFile(imdecode_backend=backend)
    with pytest.raises(OSError, match=reason) as e:
        loader(dict(img_path=str(path)))
    assert str(path) in str(e.value)
    assert not isinstance(e.value, FileNotFoundError)
    assert StrictLoadImageFromFile(ignore_empty=True,
                                   imdecode_backend=backend)(dict(
                                       img_path=str(path))) is None


def test_corrupt_image_through_a_dataset(coco_dir):
    (coco_dir / 'images' / 'a.png').write_bytes(b'garbage')
    ds = build_dataset(coco_dir, [dict(type='StrictLoadImageFromFile')])
    with pytest.raises(OSError, match='a.png: cannot decode image'):
        ds[0]


def test_good_image_matches_mmcv(coco_dir):
    from mmcv.transforms import LoadImageFromFile as MMCVLoad
    path = str(coco_dir / 'images' / 'a.png')
    ours = StrictLoadImageFromFile(to_float32=True)(dict(img_path=path))
    theirs = MMCVLoad(to_float32=True)(dict(img_path=path))
    assert np.array_equal(ours['img'], theirs['img'])
    assert ours['img'].dtype == np.float32
    assert ours['img_shape'] == ours['ori_shape'] == (10, 12)


# -- annotation json ----------------------------------------------------
def mutate(fn):
    data = good_coco()
    fn(data)
    return data


BAD_FILES = [
    # (mutation, expected message fragments)
    (lambda d: d.pop('annotations'), ["missing top-level key 'annotations'"]),
    (lambda d: d.update(images={}), ["'images' must be a list"]),
    (lambda d: d['annotations'][1].update(bbox=[1, 2, 3]),
     ['annotations[1] (id=6)', "field 'bbox'", '[1, 2, 3]']),
    (lambda d: d['annotations'][0].update(bbox=[1, 2, float('nan'), 3]),
     ['annotations[0] (id=5)', "field 'bbox'"]),
    (lambda d: d['annotations'][2].update(bbox=[1, 2, -3, 3]),
     ['annotations[2] (id=7)', "field 'bbox'", 'w, h >= 0']),
    (lambda d: d['annotations'][2].update(bbox='1 2 3 4'),
     ['annotations[2] (id=7)', "field 'bbox'"]),
    (lambda d: d['annotations'][2].update(image_id=99),
     ['annotations[2] (id=7)', "field 'image_id'", '99']),
    (lambda d: d['annotations'][0].update(category_id=3),
     ['annotations[0] (id=5)', "field 'category_id'"]),
    (lambda d: d['annotations'][1].pop('image_id'),
     ['annotations[1] (id=6)', "field 'image_id' is missing"]),
    (lambda d: d['annotations'][0].pop('area'),
     ['annotations[0] (id=5)', "field 'area' is missing"]),
    (lambda d: d['annotations'][2].update(id=5),
     ['annotations[2] (id=5)', "field 'id'", 'duplicate']),
    (lambda d: d['annotations'][0].update(segmentation=[[1, 1, 5, 1, 5]]),
     ['annotations[0] (id=5)', "field 'segmentation'", 'even number']),
    (lambda d: d['annotations'][0].update(segmentation=[[1, 1, 'x', 1, 5,
                                                         5]]),
     ['annotations[0] (id=5)', "field 'segmentation'", 'non-finite']),
    (lambda d: d['annotations'][1].update(
        segmentation=dict(size=[8, 12], counts=[0, 96])),
     ['annotations[1] (id=6)', "field 'segmentation'", 'image size']),
    (lambda d: d['annotations'][1].update(
        segmentation=dict(size=[10, 12], counts=[0, 5])),
     ['annotations[1] (id=6)', "field 'segmentation'", 'sum to 5']),
    (lambda d: d['annotations'][2].update(iscrowd=2),
     ['annotations[2] (id=7)', "field 'iscrowd'"]),
    (lambda d: d['images'][1].pop('file_name'),
     ['images[1] (id=2)', "field 'file_name'"]),
    (lambda d: d['images'][0].update(height=0),
     ['images[0] (id=1)', "field 'height'"]),
    (lambda d: d['images'][1].update(id=1), ['images[1] (id=1)',
                                            'duplicate id']),
    (lambda d: d['categories'][1].pop('name'),
     ['categories[1] (id=2)', "field 'name'"]),
    (lambda d: d['annotations'].append(['not', 'a', 'record']),
     ['annotations[3]', 'must be an object']),
]


@pytest.mark.parametrize('fn,fragments', BAD_FILES)
def test_malformed_json_names_file_record_and_field(coco_dir, fn, fragments):
    ann_file = coco_dir / 'ann.json'
    ann_file.write_text(json.dumps(mutate(fn)))
    with pytest.raises(CocoFormatError) as e:
        build_dataset(coco_dir)  # loads the annotations (lazy_init=False)
    message = str(e.value)
    assert str(ann_file) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert isinstance(e.value, ValueError)


def test_malformed_json_through_the_registry(coco_dir):
    data = good_coco()
    data['annotations'][2]['bbox'] = [0, 0, 1]
    (coco_dir / 'ann.json').write_text(json.dumps(data))
    cfg = dict(type='StrictCocoDataset', data_root=str(coco_dir),
               ann_file='ann.json', data_prefix=dict(img='images/'),
               metainfo=dict(classes=('circle', 'square')), pipeline=[])
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        with pytest.raises(CocoFormatError,
                           match=r"annotations\[2\] \(id=7\): field 'bbox'"):
            DATASETS.build(cfg)
    # type='CocoDataset' is mmdet's unchecked original in our scope too: it
    # fails on the same file without saying where
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        with pytest.raises(ValueError) as e:
            DATASETS.build(dict(cfg, type='CocoDataset'))
    assert not isinstance(e.value, CocoFormatError)
    assert 'ann.json' not in str(e.value)


def test_invalid_json_syntax_and_missing_file(tmp_path):
    path = tmp_path / 'ann.json'
    path.write_text('{"images": [], "annotations": [,]}')
    with pytest.raises(CocoFormatError, match='invalid JSON at line 1'):
        load_coco_json(str(path))
    with pytest.raises(CocoFormatError, match=str(path)):
        load_coco_json(str(path))
    with pytest.raises(FileNotFoundError, match='nope.json'):
        load_coco_json(str(tmp_path / 'nope.json'))
    with pytest.raises(CocoFormatError, match='top level must be'):
        validate_coco_dict([], 'x.json')


def test_validation_leaves_data_untouched():
    data = good_coco()
    before = copy.deepcopy(data)
    validate_coco_dict(data, 'mem.json')
    assert data == before
