"""GLEE video data: the demo world's clips through the video pipeline,
R-VOS expressions (the demo-world tool and RefVOSDataset), VOS / BURST
annotations converted to CocoVID, prompt formatting of video frames."""
import os.path as osp
import sys

import mmengine
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

import mmvision_plus
from mmvision_plus.datasets import RefVOSDataset, RefVOSFormatError
from mmvision_plus.datasets.transforms import FormatGLEEPrompts
from mmvision_plus.registry import DATASETS

mmvision_plus.register_all_modules(init_default_scope=False)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from tools.data.make_demo_world_rvos import write_expressions  # noqa: E402
from tools.dataset_converters.vos2cocovid import (  # noqa: E402
    VOSFormatError, convert_burst, convert_palette)

VIS_CONFIG = osp.join(ROOT, 'configs', 'glee',
                      'glee_r18_demo_1xb2-4e_demo-world-vis.py')


@pytest.fixture(scope='module')
def video_world(demo_world_factory):
    return str(demo_world_factory('glee_videos', num_train=2, num_val=2,
                                  img_size=64, num_videos=3,
                                  num_val_videos=2, video_frames=(4, 6),
                                  only=('videos', )))


def build_dataset(cfg: dict):
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        return DATASETS.build(cfg)


def test_demo_clips_through_the_video_pipelines(video_world):
    cfg = Config.fromfile(VIS_CONFIG)
    train = cfg.train_dataloader.dataset.dataset
    train.data_root = video_world + '/videos/'
    sample = build_dataset(train.to_dict())[0]
    frames = sample['data_samples'].video_data_samples
    assert sample['inputs'].shape[0] == 2 and len(frames) == 2
    for f in frames:
        assert f.metainfo['text'] == cfg.classes
        assert f.metainfo['task'] == 'instance'
        assert f.metainfo['dn_table'] == 'demo_world'
        gt = f.gt_instances
        assert len(gt.instances_ids) == len(gt.labels) == len(gt.masks)
    val = cfg.val_dataloader.dataset
    val.data_root = video_world + '/videos/'
    dataset = build_dataset(val.to_dict())
    video = dataset[0]['data_samples'].video_data_samples
    assert len(video) == dataset.get_data_info(0)['video_length']
    assert all(f.metainfo['ori_video_length'] == len(video) for f in video)


def test_frames_keep_track_ids_with_their_instances():
    transform = FormatGLEEPrompts(task='instance', dn_table='demo_world',
                                  classes=('a', 'b', 'c'),
                                  exclude_classes=('b', ))
    out = transform(dict(gt_bboxes_labels=np.array([0, 1, 2]),
                         gt_instances_ids=np.array([10, 11, 12])))
    assert out['text'] == ('a', 'c')
    assert out['gt_bboxes_labels'].tolist() == [0, 1]
    assert out['gt_instances_ids'].tolist() == [10, 12]
    interactive = FormatGLEEPrompts(task='interactive', dn_table='x',
                                    classes=('a', 'b'))(dict())
    assert interactive['text'] == ('a', 'b')
    assert interactive['task'] == 'interactive'
    with pytest.raises(KeyError, match="no 'text'"):
        FormatGLEEPrompts(task='instance', dn_table='x')(dict())


def test_demo_world_expressions_and_rvos_samples(video_world):
    counts = write_expressions(video_world)
    assert counts['valid'] > 0
    meta = mmengine.load(osp.join(video_world, 'videos', 'meta_expressions',
                                  'valid.json'))
    videos = osp.join(video_world, 'videos')
    dataset = RefVOSDataset(
        data_root=videos + '/', ann_file='annotations/'
        'youtube_vis_2019_valid.json',
        expression_file='meta_expressions/valid.json',
        metainfo=dict(classes=('circle', 'square', 'triangle', 'star',
                               'hexagon', 'ellipse', 'cross', 'diamond')),
        data_prefix=dict(img_path='JPEGImages'), test_mode=True,
        pipeline=[])
    assert len(dataset) == counts['valid']
    cocovid = mmengine.load(osp.join(videos, 'annotations',
                                     'youtube_vis_2019_valid.json'))
    names = {c['id']: c['name'] for c in cocovid['categories']}
    category_of = {a['instance_id']: names[a['category_id']]
                   for a in cocovid['annotations']}
    for k in range(len(dataset)):
        info = dataset.get_data_info(k)
        frames = info['images']
        name = osp.dirname(frames[0]['file_name'])
        text = frames[0]['text'][0]
        ids = {i['instance_id'] for f in frames for i in f['instances']}
        assert len(ids) == 1
        # the expression names the object's category, and is unique
        assert category_of[ids.pop()] in text
        expressions = [e['exp'] for e in
                       meta['videos'][name]['expressions'].values()]
        assert expressions.count(text) == 1


def test_rvos_bad_files_are_named(video_world, tmp_path):
    videos = osp.join(video_world, 'videos')
    kwargs = dict(
        data_root=videos + '/',
        ann_file='annotations/youtube_vis_2019_valid.json',
        metainfo=dict(classes=('circle', 'square', 'triangle', 'star',
                               'hexagon', 'ellipse', 'cross', 'diamond')),
        data_prefix=dict(img_path='JPEGImages'), pipeline=[])
    with pytest.raises(FileNotFoundError, match='missing.json'):
        RefVOSDataset(expression_file=str(tmp_path / 'missing.json'),
                      **kwargs)
    raw = mmengine.load(osp.join(videos, 'annotations', 'valid.json'))
    name = raw['videos'][0]['file_names'][0].split('/')[0]
    bad = tmp_path / 'bad.json'
    mmengine.dump(dict(videos={name: dict(expressions={
        '0': dict(exp='the circle', obj_id='9999')})}), str(bad))
    with pytest.raises(RefVOSFormatError, match='obj_id 9999'):
        RefVOSDataset(expression_file=str(bad), **kwargs)


def test_palette_vos_annotations_to_cocovid(tmp_path):
    images, annotations = tmp_path / 'JPEGImages', tmp_path / 'Annotations'
    for t in range(3):
        (images / 'bike').mkdir(parents=True, exist_ok=True)
        (annotations / 'bike').mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((12, 16, 3), np.uint8)).save(
            images / 'bike' / f'{t:05d}.jpg')
        if t == 2:
            continue  # an unannotated frame
        labels = np.zeros((12, 16), np.uint8)
        labels[2:6, 2 + t:8 + t] = 1
        labels[8:11, 10:14] = 2 if t == 0 else 0
        labels[0, 0] = 255  # void
        palette = Image.new('P', (16, 12))  # DAVIS-style index PNG
        palette.putdata(labels.flatten().tolist())
        palette.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * 759)
        palette.save(annotations / 'bike' / f'{t:05d}.png')
    out = convert_palette(str(images), str(annotations))
    assert [v['name'] for v in out['videos']] == ['bike']
    assert [i['file_name'] for i in out['images']] == [
        'bike/00000.jpg', 'bike/00001.jpg', 'bike/00002.jpg']
    anns = [(a['image_id'], a['instance_id'], a['bbox'], a['area'])
            for a in out['annotations']]
    assert anns == [(1, 1, [2., 2., 6., 4.], 24.), (1, 2, [10., 8., 4., 3.],
                                                     12.),
                    (2, 1, [3., 2., 6., 4.], 24.)]
    path = tmp_path / 'cocovid.json'
    mmengine.dump(out, str(path))
    dataset = build_dataset(dict(
        type='BaseVideoDataset', ann_file=str(path),
        metainfo=dict(classes=('object', )),
        data_prefix=dict(img_path=str(images)), test_mode=True,
        pipeline=[]))
    frames = dataset.get_data_info(0)['images']
    assert [len(f['instances']) for f in frames] == [2, 1, 0]
    with pytest.raises(VOSFormatError, match='no such folder'):
        convert_palette(str(tmp_path / 'nothing'), str(annotations))


def test_burst_annotations_to_cocovid():
    import pycocotools.mask as mask_utils
    mask = np.zeros((10, 20), np.uint8)
    mask[1:4, 2:7] = 1
    rle = mask_utils.encode(np.asfortranarray(mask))['counts'].decode()
    burst = dict(sequences=[dict(
        dataset='YFCC100M', seq_name='v1', width=20, height=10,
        annotated_image_paths=['f0.jpg', 'f5.jpg'],
        segmentations=[{'3': dict(rle=rle)}, {}])])
    out = convert_burst(burst)
    assert [i['file_name'] for i in out['images']] == [
        'YFCC100M/v1/f0.jpg', 'YFCC100M/v1/f5.jpg']
    ann, = out['annotations']
    assert ann['instance_id'] == 3 and ann['bbox'] == [2., 1., 5., 3.]
    with pytest.raises(VOSFormatError, match='sequences'):
        convert_burst(dict(videos=[]))
