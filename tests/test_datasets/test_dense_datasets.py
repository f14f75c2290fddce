"""CocoSemSegDataset + RasterizeCocoSemSeg, DepthDataset + LoadDepthMap."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmvision_plus.datasets import CocoSemSegDataset, DepthDataset
from mmvision_plus.utils import register_all_modules

register_all_modules()


def _write_coco(root):
    (root / 'images').mkdir()
    cv2.imwrite(str(root / 'images' / 'a.png'),
                np.zeros((10, 12, 3), np.uint8))
    coco = dict(
        images=[dict(id=1, file_name='a.png', height=10, width=12)],
        categories=[dict(id=7, name='square'), dict(id=3, name='circle')],
        annotations=[
            # square over x 0..5, y 0..5 (polygon)
            dict(id=1, image_id=1, category_id=7, iscrowd=0,
                 segmentation=[[0, 0, 6, 0, 6, 6, 0, 6]]),
            # circle (as a box polygon) over x 4..9, y 4..9, painted later
            dict(id=2, image_id=1, category_id=3, iscrowd=0,
                 segmentation=[[4, 4, 10, 4, 10, 10, 4, 10]]),
            # crowd region, uncompressed RLE: column 11 entirely
            dict(id=3, image_id=1, category_id=3, iscrowd=1,
                 segmentation=dict(size=[10, 12], counts=[110, 10])),
        ])
    (root / 'ann.json').write_text(json.dumps(coco))


def test_coco_semseg_dataset_and_rasterisation(tmp_path):
    _write_coco(tmp_path)
    ds = CocoSemSegDataset(ann_file='ann.json', data_root=str(tmp_path),
                           data_prefix=dict(img='images'), pipeline=[])
    # Categories sorted by id: circle (3) -> 1, square (7) -> 2.
    assert ds.metainfo['classes'] == ('background', 'circle', 'square')
    info = ds[0]
    assert info['img_path'] == osp.join(str(tmp_path), 'images', 'a.png')
    assert [i['label'] for i in info['seg_instances']] == [2, 1, 1]

    from mmcv.transforms import Compose
    packed = Compose([dict(type='RasterizeCocoSemSeg'),
                      dict(type='PackDenseInputs')])(
                          dict(info, img=np.zeros((10, 12, 3), np.uint8)))
    seg = packed['data_samples'].gt_sem_seg.data[0]
    assert seg.shape == (10, 12) and seg.dtype == torch.int64
    assert seg[1, 1] == 2          # square only
    assert seg[5, 5] == 1          # overlap: the later circle wins
    assert seg[8, 2] == 0          # background
    assert (seg[:, 11] == 255).all()  # crowd -> ignore
    assert packed['inputs'].shape == (3, 10, 12)

    only = CocoSemSegDataset(ann_file='ann.json', data_root=str(tmp_path),
                             data_prefix=dict(img='images'),
                             metainfo=dict(classes=('square', )))
    assert only.metainfo['classes'] == ('background', 'square')
    assert [i['label'] for i in only[0]['seg_instances']] == [1]
    with pytest.raises(ValueError, match="'hexagon'"):
        CocoSemSegDataset(ann_file='ann.json', data_root=str(tmp_path),
                          metainfo=dict(classes=('hexagon', )))


def _write_depth_pair(root, stem, value_mm):
    (root / 'img').mkdir(exist_ok=True)
    (root / 'depth').mkdir(exist_ok=True)
    cv2.imwrite(str(root / 'img' / f'{stem}.png'),
                np.zeros((4, 5, 3), np.uint8))
    depth = np.full((4, 5), value_mm, np.uint16)
    depth[0, 0] = 0
    cv2.imwrite(str(root / 'depth' / f'{stem}.png'), depth)


def test_depth_dataset_directory_and_split_modes(tmp_path):
    _write_depth_pair(tmp_path, 'b', 2500)
    _write_depth_pair(tmp_path, 'a', 1000)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadDepthMap'),
                dict(type='PackDenseInputs')]
    ds = DepthDataset(data_root=str(tmp_path),
                      data_prefix=dict(img='img', depth='depth'),
                      pipeline=pipeline)
    assert len(ds) == 2
    sample = ds[1]['data_samples']  # sorted: a, b
    depth = sample.gt_depth.data
    assert depth.shape == (1, 4, 5) and depth.dtype == torch.float32
    assert depth[0, 1, 1].item() == pytest.approx(2.5)
    assert depth[0, 0, 0].item() == 0.

    (tmp_path / 'split.txt').write_text(
        '/img/a.png /depth/a.png 518.8579\n\nimg/b.png depth/b.png\n')
    split = DepthDataset(data_root=str(tmp_path), ann_file='split.txt',
                         depth_scale=100., pipeline=pipeline)
    assert len(split) == 2
    assert split[0]['data_samples'].gt_depth.data[0, 1, 1].item() == \
        pytest.approx(10.)

    (tmp_path / 'img' / 'c.png').write_bytes(
        (tmp_path / 'img' / 'a.png').read_bytes())
    with pytest.raises(ValueError, match='c.png .* has no depth map'):
        DepthDataset(data_root=str(tmp_path),
                     data_prefix=dict(img='img', depth='depth'))
    (tmp_path / 'bad.txt').write_text('only_one_field.png\n')
    with pytest.raises(ValueError, match='line 1'):
        DepthDataset(data_root=str(tmp_path), ann_file='bad.txt')
