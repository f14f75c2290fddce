"""Demo world: determinism, atomic writes and every format through its
real loader (pycocotools, mmdet, mmpretrain, our PEDES dataset)."""
import hashlib
import importlib.util
import json
import os.path as osp
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from mmvision_plus.datasets import demo_world
from mmvision_plus.datasets.demo_world import (COLOURS, SHAPE_CLASSES,
                                               ensure_demo_world,
                                               generate_demo_world,
                                               read_marker)
from mmvision_plus.datasets.demo_world import generation, storage
from mmvision_plus.datasets.demo_world.identities import \
    sample_identity_attributes
from mmvision_plus.datasets.demo_world.language import identity_captions
from mmvision_plus.utils import register_all_modules

register_all_modules()

TINY = dict(num_train=8, num_val=4, img_size=64, num_identities=10,
            images_per_identity=(2, 3), pedes_size=(64, 32), num_videos=2,
            num_val_videos=1, video_frames=(4, 6), captions_per_image=3,
            crop_size=16)


def digest_tree(root: Path) -> dict:
    """{relative path: sha1 of the bytes} of every file under ``root``."""
    return {
        str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


@pytest.fixture(scope='module')
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('world') / 'demo_world'
    return generate_demo_world(out, seed=0, **TINY)


# -- generation ---------------------------------------------------------
def test_layout_and_marker(world):
    for rel in ('images/train/000001.png', 'images/val/000009.png',
                'depth/train/000001.png', 'annotations/instances_train.json',
                'annotations/instances_val.json',
                'annotations/captions_train.json',
                'annotations/retrieval_val.json', 'refcoco/instances.json',
                'refcoco/refs(unc).p', 'pedes/reid_raw.json',
                'videos/annotations/train.json',
                'videos/annotations/valid.json',
                'videos/annotations/youtube_vis_2019_train.json',
                'videos/annotations/youtube_vis_2019_valid.json'):
        assert (world / rel).is_file(), rel
    assert len(list((world / 'images' / 'train').glob('*.png'))) == 8
    assert len(list((world / 'images' / 'val').glob('*.png'))) == 4
    marker = read_marker(world)
    assert marker['args']['img_size'] == 64 and marker['args']['seed'] == 0
    assert marker['parts'] == list(demo_world.COMPONENTS)
    # nothing else lies next to the finished world
    assert sorted(p.name for p in world.parent.iterdir()) == ['demo_world']


def test_deterministic_for_a_seed(world, tmp_path):
    same = generate_demo_world(tmp_path / 'same', seed=0, **TINY)
    assert digest_tree(same) == digest_tree(world)
    other = generate_demo_world(tmp_path / 'other', seed=1, **TINY)
    a, b = digest_tree(world), digest_tree(other)
    changed = [k for k in a if k in b and a[k] != b[k]]
    assert 'images/train/000001.png' in changed
    assert 'pedes/reid_raw.json' in changed
    assert 'videos/annotations/train.json' in changed


# sha256 per top-level entry of the world; see part_digests
PINNED = [
    (dict(seed=0, num_train=6, num_val=4, img_size=96, num_identities=5,
          images_per_identity=(2, 3), pedes_size=(48, 24), num_videos=2,
          num_val_videos=1, video_frames=(4, 6), captions_per_image=6,
          crop_size=16),
     {'DONE':
        '53da46b7d60c92f73c72af017bd5524ac9444d579ceff53c88912a15a2141e7e',
      'annotations':
        '1f715854d856ff3e0e454c8522be1bda000f526397b8f4ed1921b32b19d2fa16',
      'crops':
        'a0107fd677f62b3a8eee6f93ef12b0f7946cbde5f1983f298836298da93e16f1',
      'depth':
        'ad2f3f368bb779c840c9a8cfa9f01de3af1ea0d3a9c8d056830c0f02a2eac33c',
      'images':
        '47daf29b8fafd2921f75d466f5dc4ec0debf08c41555339679e23bba163f9940',
      'pedes':
        'b2d7d5b3ef52fc1bf54340ae40fbddcdeca11a2be492b134ee97d76c1d296fd6',
      'refcoco':
        '1db191763fba6ab1f2b26c3d98b619a1c5cd0ea5a9fe0a45a669736a43b4f0f1',
      'videos':
        'fa9cd1a0dd124a5dca9462e57a911328680b5e8d2f9f4761e78620dde385e498'}),
    (dict(seed=1, num_train=5, num_val=4, img_size=64, num_identities=6,
          images_per_identity=(2, 2), pedes_size=(32, 16), num_videos=2,
          num_val_videos=1, video_frames=(2, 3), captions_per_image=2,
          crop_size=12, only='pedes,detection'),
     {'DONE':
        '4a1eeab7cffadf64faea39ae2f4536780852e0d293a7461ee08dad6c308b3043',
      'annotations':
        '0fa4c3aeb4dbcdedd467f1a8087eb28c6d13699243cba63bc59e5058d5e54ff9',
      'images':
        '8df9b189a34c64a9eb8f40fc675f036655a99c12f0f9cac16fbf84700be06ce1',
      'pedes':
        '40b52e20accff25b57d5824c010bc07ec4dd665371ca8d01bda448012bedca3c'}),
]


def part_digests(root: Path) -> dict:
    """{top-level entry: sha256 over its files}: for each file under the
    entry, in order of relative path, the path (utf-8), a zero byte and the
    sha256 of the file's bytes."""
    files = sorted((p for p in root.rglob('*') if p.is_file()),
                   key=lambda p: p.relative_to(root).as_posix())
    digests = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        digests.setdefault(rel.split('/')[0], hashlib.sha256()).update(
            rel.encode() + b'\0' + hashlib.sha256(path.read_bytes()).digest())
    return {name: d.hexdigest() for name, d in digests.items()}


@pytest.mark.parametrize('kwargs,expected', PINNED,
                         ids=['all-parts', 'pedes-detection'])
def test_output_is_pinned(kwargs, expected, tmp_path):
    """The same arguments give the same bytes under the same format version.

    The digests were recorded with the generator as it stood before it
    became a package (commit c1e2d0b). A change that alters them is a new
    format version: raise it in ``demo_world/versions.py`` and record the
    new digests here. (PNG and JPEG bytes also depend on the zlib and
    libjpeg inside Pillow: the pins hold for the pinned requirements.)
    """
    assert demo_world.FORMAT_VERSION == 4, 'format changed: update the pins'
    out = generate_demo_world(tmp_path / 'w', **kwargs)
    assert part_digests(out) == expected


def test_only_parts_match_the_full_world(world, tmp_path):
    part = generate_demo_world(tmp_path / 'part', seed=0,
                               only='pedes,detection', **TINY)
    full, sub = digest_tree(world), digest_tree(part)
    assert not (part / 'videos').exists() and not (part / 'crops').exists()
    for rel, digest in sub.items():
        if rel != demo_world.MARKER:
            assert full[rel] == digest, rel
    with pytest.raises(ValueError, match='unknown part'):
        generate_demo_world(tmp_path / 'bad', only='detection,lidar', **TINY)


def test_more_training_scenes_keep_the_scenes_of_a_smaller_world(
        world, tmp_path):
    """data/demo_world_2400 relies on this: with more training scenes the
    first ones and every val scene (image bytes and captions) are those of
    the smaller world; only the val file names move on."""
    big_kwargs = dict(TINY, num_train=2 * TINY['num_train'])
    big = generate_demo_world(tmp_path / 'big', seed=0, only='captions',
                              **big_kwargs)
    ann = 'annotations/retrieval_{}.json'

    def read(root, split):
        return json.loads((root / ann.format(split)).read_text())

    small_train, big_train = read(world, 'train'), read(big, 'train')
    assert len(big_train) == 2 * len(small_train)
    assert big_train[:len(small_train)] == small_train
    small_val, big_val = read(world, 'val'), read(big, 'val')
    assert len(big_val) == len(small_val)
    for small_item, big_item in zip(small_val, big_val):
        assert big_item['caption'] == small_item['caption']
        assert big_item['image'] != small_item['image']
        assert (big / 'images' / big_item['image']).read_bytes() == (
            world / 'images' / small_item['image']).read_bytes()


def test_sizes_classes_colours_and_occlusion(tmp_path):
    out = generate_demo_world(tmp_path / 'w', seed=3, num_train=40,
                              num_val=2, only='detection')
    coco = COCO(str(out / 'annotations' / 'instances_train.json'))
    anns = list(coco.anns.values())
    areas = np.array([a['area'] for a in anns])
    assert (areas < 32**2).any()
    assert ((areas >= 32**2) & (areas < 96**2)).any()
    assert (areas >= 96**2).any()
    assert {a['category_id'] for a in anns} == set(range(1, 9))
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(
        SHAPE_CLASSES)
    assert len({a['colour'] for a in anns}) >= 6
    assert set(a['colour'] for a in anns) <= set(COLOURS)
    fractions = np.array([a['visible_fraction'] for a in anns])
    assert (fractions < 0.95).mean() > 0.1  # real occlusion
    assert fractions.min() >= 0.65  # but never heavy
    boxes = np.array([a['bbox'] for a in anns])
    assert boxes[:, 2:].min() >= 8.0  # min object size at 160 px
    # (shape, colour) is unique within an image
    for img_id in coco.getImgIds():
        pairs = [(a['category_id'], a['colour'])
                 for a in coco.loadAnns(coco.getAnnIds(imgIds=[img_id]))]
        assert len(pairs) == len(set(pairs)) and 1 <= len(pairs) <= 5


# -- COCO instances and depth -------------------------------------------
def test_coco_instances_pycocotools(world):
    coco = COCO(str(world / 'annotations' / 'instances_val.json'))
    assert sorted(coco.getImgIds()) == [9, 10, 11, 12]
    for ann in coco.anns.values():
        mask = coco.annToMask(ann).astype(bool)
        img = coco.imgs[ann['image_id']]
        assert mask.shape == (img['height'], img['width'])
        # polygons reproduce the visible area and box to within the edge
        assert abs(mask.sum() - ann['area']) <= 0.15 * ann['area'] + 6
        ys, xs = np.nonzero(mask)
        x, y, w, h = ann['bbox']
        # (pycocotools rasterises pixel centres, the box is sub-pixel)
        assert abs(xs.min() - x) <= 1.5 and abs(xs.max() + 1 - x - w) <= 1.5
        assert abs(ys.min() - y) <= 1.5 and abs(ys.max() + 1 - y - h) <= 1.5
        assert ann['iscrowd'] == 0
        assert all(len(p) >= 6 and len(p) % 2 == 0
                   for p in ann['segmentation'])


def test_depth_maps_and_occlusion_order(world):
    coco = COCO(str(world / 'annotations' / 'instances_train.json'))
    for img_id, img in coco.imgs.items():
        depth = cv2.imread(str(world / 'depth' / 'train' / img['file_name']),
                           cv2.IMREAD_UNCHANGED)
        assert depth.dtype == np.uint16 and depth.shape == (64, 64)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[img_id]))
        depths = [round(a['depth'] * 1000) for a in anns]
        assert len(set(depths)) == len(depths)  # each at its own depth
        assert all(1000 <= mm < 6000 for mm in depths)
        for ann, mm in zip(anns, depths):
            mask = coco.annToMask(ann).astype(bool)
            # the visible (polygon) region carries the object's own depth:
            # nothing nearer is drawn over it
            assert (depth[mask] == mm).mean() > 0.85
        # objects are the only things nearer than the background plane
        assert set(np.unique(depth[depth < 6000]).tolist()) <= set(depths)
        assert depth.max() <= 10500


def test_mmdet_coco_dataset_and_pipeline(world):
    from mmdet.datasets import CocoDataset
    from mmengine.registry import DefaultScope

    from mmvision_plus.registry import DATASETS
    kwargs = dict(data_root=str(world),
                  ann_file='annotations/instances_train.json',
                  data_prefix=dict(img='images/train/'),
                  metainfo=dict(classes=SHAPE_CLASSES), pipeline=[
                      dict(type='LoadImageFromFile'),
                      dict(type='LoadAnnotations', with_bbox=True,
                           with_mask=True)])
    plain = CocoDataset(**dict(kwargs, pipeline=[]))
    plain.full_init()
    assert len(plain) == 8
    with DefaultScope.overwrite_default_scope('mmvision_plus'):
        strict = DATASETS.build(dict(type='StrictCocoDataset', **kwargs))
        sample = strict[0]
    assert type(strict).__name__ == 'StrictCocoDataset'
    assert len(strict) == 8
    info = strict.get_data_info(0)
    assert info['instances'] and osp.isfile(info['img_path'])
    assert sample['img'].shape == (64, 64, 3)
    assert sample['gt_masks'].masks.shape[0] == len(sample['gt_bboxes'])
    assert set(sample['gt_bboxes_labels'].tolist()) <= set(range(8))


# -- captions, referring expressions --------------------------------------
def test_captions_and_retrieval(world):
    captions = COCO(str(world / 'annotations' / 'captions_train.json'))
    instances = COCO(str(world / 'annotations' / 'instances_train.json'))
    for img_id in captions.getImgIds():
        texts = [a['caption']
                 for a in captions.loadAnns(captions.getAnnIds([img_id]))]
        assert len(texts) == 3 and len(set(texts)) == 3
        objs = instances.loadAnns(instances.getAnnIds(imgIds=[img_id]))
        names = {f'{a["colour"]} {SHAPE_CLASSES[a["category_id"] - 1]}'
                 for a in objs}
        # the canonical caption names a real object of the image by colour,
        # shape, size and position
        assert any(name in texts[0] for name in names)
        assert any(s in texts[0] for s in ('small', 'medium', 'large'))
        assert any(p in texts[0] for p in ('top', 'bottom', 'left', 'right',
                                           'center'))
    retrieval = json.loads(
        (world / 'annotations' / 'retrieval_train.json').read_text())
    assert len(retrieval) == 8
    for item in retrieval:
        assert set(item) == {'image', 'caption', 'image_id'}
        assert (world / 'images' / item['image']).is_file()
        assert len(item['caption']) == 3

    from mmpretrain.datasets import COCORetrieval
    ds = COCORetrieval(ann_file=str(world / 'annotations' /
                                    'captions_val.json'),
                       data_prefix=str(world / 'images'), test_mode=True)
    assert len(ds) == 4
    assert all(osp.isfile(ds.get_data_info(i)['img_path'])
               for i in range(4))


def test_refcoco(world):
    from mmdet.datasets import RefCocoDataset
    refs = pickle.loads((world / 'refcoco' / 'refs(unc).p').read_bytes())
    instances = json.loads((world / 'refcoco' / 'instances.json').read_text())
    ann_ids = {a['id'] for a in instances['annotations']}
    assert {r['ann_id'] for r in refs} == ann_ids  # every object referred
    assert len({r['ref_id'] for r in refs}) == len(refs)
    assert {r['split'] for r in refs} == {'train', 'val', 'testA', 'testB'}
    per_image = defaultdict(list)
    for ref in refs:
        assert set(ref) >= {'ref_id', 'ann_id', 'image_id', 'category_id',
                            'split', 'sentences', 'sent_ids', 'file_name'}
        assert ref['sent_ids'] == [s['sent_id'] for s in ref['sentences']]
        assert 2 <= len(ref['sentences']) <= 3
        for sent in ref['sentences']:
            assert sent['tokens'] == sent['sent'].split()
            per_image[ref['image_id']].append(sent['raw'])
    for sents in per_image.values():
        assert len(sents) == len(set(sents))  # unique within the image
    for split, n_images in (('train', 8), ('val', 2), ('testA', 1)):
        ds = RefCocoDataset(data_root=str(world),
                            ann_file='refcoco/instances.json',
                            split_file='refcoco/refs(unc).p',
                            data_prefix=dict(img_path='images/'),
                            split=split, text_mode='original', pipeline=[])
        assert len(ds) == n_images
        info = ds.get_data_info(0)
        assert osp.isfile(info['img_path'])
        assert len(info['text']) == len(info['instances']) > 0


# -- identities -----------------------------------------------------------
def test_pedes_layout_splits_and_loader(world):
    records = json.loads((world / 'pedes' / 'reid_raw.json').read_text())
    ids = sorted({r['id'] for r in records})
    assert ids == list(range(1, 11))
    split_of = {}
    for r in records:
        assert set(r) == {'split', 'captions', 'file_path',
                          'processed_tokens', 'id'}
        assert split_of.setdefault(r['id'], r['split']) == r['split']
        assert (world / 'pedes' / 'imgs' / r['file_path']).is_file()
        assert len(r['captions']) == len(r['processed_tokens']) == 2
        img = cv2.imread(str(world / 'pedes' / 'imgs' / r['file_path']))
        assert img.shape == (64, 32, 3)
    counts = {s: sum(v == s for v in split_of.values())
              for s in ('train', 'val', 'test')}
    assert counts == {'train': 6, 'val': 2, 'test': 2}

    from mmvision_plus.datasets import CUHKPEDES
    test = CUHKPEDES(data_root=str(world / 'pedes'), split='test',
                     test_mode=True, pipeline=[])
    assert test.num_pids == 2
    assert all(osp.isfile(test.get_data_info(i)['img_path'])
               for i in range(len(test)))


def test_identities_need_attribute_combinations():
    identities = sample_identity_attributes(0, 100)
    tuples = {tuple(sorted(a.items())) for a in identities}
    assert len(tuples) == 100
    for key in ('shape', 'colour', 'colour2', 'pattern', 'size'):
        values = [a[key] for a in identities]
        # no single attribute value singles out an identity
        assert min(values.count(v) for v in set(values)) >= 2, key
    # descriptions carry every identity attribute
    attrs = identities[0]
    rng = np.random.default_rng(0)
    for caption in identity_captions(
            attrs, dict(angle=0.0, background='light striped'), rng):
        for key in ('shape', 'colour', 'size'):
            assert attrs[key] in caption
        if attrs['pattern'] != 'plain':
            assert attrs['colour2'] in caption


# -- videos ---------------------------------------------------------------
def test_youtube_vis_raw_and_mmdet(world):
    root = world / 'videos'
    raw = json.loads((root / 'annotations' / 'train.json').read_text())
    assert set(raw) >= {'videos', 'annotations', 'categories'}
    assert [c['name'] for c in raw['categories']] == list(SHAPE_CLASSES)
    videos = {v['id']: v for v in raw['videos']}
    assert len(videos) == 2
    for video in videos.values():
        assert 4 <= video['length'] == len(video['file_names']) <= 6
        for name in video['file_names']:
            assert (root / 'JPEGImages' / name).is_file()
    for track in raw['annotations']:
        length = videos[track['video_id']]['length']
        for key in ('segmentations', 'bboxes', 'areas'):
            assert len(track[key]) == length
        for seg, box, area in zip(track['segmentations'], track['bboxes'],
                                  track['areas']):
            assert (seg is None) == (box is None) == (area is None)
            if seg is None:
                continue
            rle = mask_utils.frPyObjects(seg, *seg['size'])
            assert int(mask_utils.area(rle)) == area
            x, y, w, h = mask_utils.toBbox(rle).tolist()
            assert np.allclose([x, y, w, h], box)

    from mmdet.datasets import YouTubeVISDataset
    ds = YouTubeVISDataset(dataset_version='2019', data_root=str(root),
                           ann_file='annotations/youtube_vis_2019_train.json',
                           data_prefix=dict(img_path='JPEGImages'),
                           metainfo=dict(classes=SHAPE_CLASSES),
                           test_mode=True, pipeline=[])
    assert len(ds) == 2
    frames = ds.get_data_info(0)['images']
    assert len(frames) == videos[1]['length']
    assert osp.isfile(frames[0]['img_path'])
    track_ids = {i['instance_id'] for f in frames for i in f['instances']}
    assert len(track_ids) >= 2
    valid = json.loads((root / 'annotations' /
                        'youtube_vis_2019_valid.json').read_text())
    assert len(valid['videos']) == 1 and valid['annotations']


def test_cocovid_matches_mmdet_converter(world, tmp_path):
    import mmdet
    script = osp.join(mmdet.__path__[0], '.mim', 'tools',
                      'dataset_converters', 'youtubevis2coco.py')
    if not osp.isfile(script):
        pytest.skip('mmdet was installed without its tools')
    spec = importlib.util.spec_from_file_location('ytvis2coco', script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.convert_vis(str(world / 'videos' / 'annotations'),
                           str(tmp_path), '2019', 'train')
    except KeyError:
        # the converter writes its output, then prints per-class counts
        # assuming every category occurs (not so in a 2-video world)
        pass
    theirs = json.loads(
        (tmp_path / 'youtube_vis_2019_train.json').read_text())
    ours = json.loads((world / 'videos' / 'annotations' /
                       'youtube_vis_2019_train.json').read_text())
    assert ours == theirs


# -- crops ----------------------------------------------------------------
def test_crops_custom_dataset(world):
    from mmpretrain.datasets import CustomDataset
    ds = CustomDataset(data_root=str(world / 'crops'), data_prefix='train',
                       pipeline=[])
    assert len(ds) > 0
    assert set(ds.CLASSES) <= set(SHAPE_CLASSES)
    info = ds.get_data_info(0)
    img = cv2.imread(info['img_path'])
    assert img.shape == (16, 16, 3)
    assert ds.CLASSES[info['gt_label']] == Path(info['img_path']).parent.name


# -- atomic writes, reuse -------------------------------------------------
def test_failed_generation_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError('disk full')

    monkeypatch.setattr(generation, 'write_videos', boom)
    with pytest.raises(RuntimeError, match='disk full'):
        generate_demo_world(tmp_path / 'w', **TINY)
    assert list(tmp_path.iterdir()) == []


def test_killed_generation_keeps_no_complete_looking_world(tmp_path):
    out = tmp_path / 'w'
    previous = generate_demo_world(out, seed=5, **TINY)
    before = digest_tree(previous)
    # load the package alone, without mmvision_plus.datasets and mmdet
    code = ('import importlib.util as u, sys; '
            's = u.spec_from_file_location("dw", sys.argv[2]); '
            'm = u.module_from_spec(s); sys.modules["dw"] = m; '
            's.loader.exec_module(m); '
            'm.generate_demo_world(sys.argv[1], seed=6, num_train=400)')
    proc = subprocess.Popen(
        [sys.executable, '-c', code, str(out), demo_world.__file__])
    try:
        deadline = time.time() + 120
        while not list(tmp_path.glob('.w.tmp-*/images/train/*.png')):
            assert proc.poll() is None and time.time() < deadline
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # the old world is untouched, the half-written one is only a hidden
    # temporary without a marker
    assert digest_tree(out) == before
    stale = list(tmp_path.glob('.w.tmp-*'))
    assert len(stale) == 1 and read_marker(stale[0]) is None
    # the next generation cleans it up
    ensure_demo_world(out, seed=7, **TINY)
    assert read_marker(out)['args']['seed'] == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ['w']


def test_ensure_regenerates_another_format_version(tmp_path):
    out = tmp_path / 'w'
    ensure_demo_world(out, seed=0, only='pedes', **TINY)
    marker = read_marker(out)
    assert marker['format_version'] == demo_world.FORMAT_VERSION
    marker['format_version'] -= 1
    (out / 'DONE').write_text(json.dumps(marker))
    ensure_demo_world(out, seed=0, only='pedes', **TINY)
    assert read_marker(out)['format_version'] == demo_world.FORMAT_VERSION


def test_file_writes_are_atomic(tmp_path):
    path = tmp_path / 'sub' / 'a.json'
    storage.dump_json({'ok': 1}, path)
    # json.dump writes the first items before it meets the bad one
    with pytest.raises(TypeError):
        storage.dump_json({'ok': 2, 'bad': object()}, path)
    assert json.loads(path.read_text()) == {'ok': 1}
    png = tmp_path / 'sub' / 'b.png'
    with pytest.raises(TypeError):
        storage.save_png(np.zeros((4, 4, 3), np.complex64), png)
    assert sorted(p.name for p in path.parent.iterdir()) == ['a.json']


def test_importing_datasets_leaves_the_demo_world_unloaded(subprocess_env):
    code = textwrap.dedent('''
        import json, sys
        import mmvision_plus.datasets
        loaded = [m for m in sys.modules
                  if m.startswith('mmvision_plus.datasets.demo_world')]
        from mmvision_plus.datasets import (demo_world, ensure_demo_world,
                                            generate_demo_world)
        print(json.dumps(dict(loaded=loaded, same=[
            generate_demo_world is demo_world.generate_demo_world,
            ensure_demo_world is demo_world.ensure_demo_world])))
    ''')
    out = subprocess.run([sys.executable, '-c', code], env=subprocess_env,
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result == dict(loaded=[], same=[True, True])


def test_ensure_reuses_a_matching_world(tmp_path):
    out = tmp_path / 'w'
    ensure_demo_world(out, seed=0, **TINY)
    stamp = (out / 'DONE').stat().st_mtime_ns
    ensure_demo_world(out, seed=0, only='pedes', **TINY)  # subset: reuse
    assert (out / 'DONE').stat().st_mtime_ns == stamp
    ensure_demo_world(out, seed=0, **dict(TINY, num_val=5))  # changed
    assert read_marker(out)['args']['num_val'] == 5
