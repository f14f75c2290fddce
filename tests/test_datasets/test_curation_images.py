"""Curation on real image files: image lists, the embedder with a tiny
random DINOv2ViT, unreadable images, and the whole library pipeline."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from mmvision_plus.datasets.curation import (CurationParams, ImageListError,
                                             UnreadableImageError,
                                             build_image_embedder,
                                             curate_image_sources,
                                             image_features, load_image_list)
from mmvision_plus.models.backbones.dinov2 import DINOv2ViT

TINY = dict(embed_dims=32, num_layers=2, num_heads=2)
# Exact file copies have cosine 1 (up to float rounding); distinct random
# images stay well below with this tiny random ViT.
COPY_THRESHOLD = 0.9999


def _texture(rng):
    base = rng.integers(0, 256, 3)
    return np.clip(base + rng.normal(0, 50, (48, 48, 3)), 0,
                   255).astype(np.uint8)


def make_curation_images(root):
    """curated/ (4 images), pool/ (10 distinct in a/, 3 exact copies of
    two of them in b/), eval/ (a copy of pool a/img_05 and one new)."""
    rng = np.random.default_rng(0)
    for sub in ('curated', 'pool/a', 'pool/b', 'eval'):
        os.makedirs(osp.join(root, sub))
    for i in range(4):
        Image.fromarray(_texture(rng)).save(
            osp.join(root, 'curated', f'c{i}.png'))
    for i in range(10):
        Image.fromarray(_texture(rng)).save(
            osp.join(root, 'pool', 'a', f'img_{i:02d}.png'))
    for src, dst in (('img_03', 'copy1_of_03'), ('img_03', 'copy2_of_03'),
                     ('img_07', 'copy_of_07')):
        shutil.copy(osp.join(root, 'pool', 'a', f'{src}.png'),
                    osp.join(root, 'pool', 'b', f'{dst}.png'))
    shutil.copy(osp.join(root, 'pool', 'a', 'img_05.png'),
                osp.join(root, 'eval', 'e0.png'))
    Image.fromarray(_texture(rng)).save(osp.join(root, 'eval', 'e1.png'))
    return str(root)


def make_tiny_vit_checkpoint(path):
    """Official-layout weights of a tiny random DINOv2ViT (56 px grid).

    LayerScale 1.0 instead of the official 1e-5 init: with 1e-5 random
    blocks are nearly the identity and the class token ignores the image.
    """
    torch.manual_seed(0)
    vit = DINOv2ViT(arch=TINY, img_size=56, layer_scale_init=1.0)
    torch.save(vit.state_dict(), path)
    return str(path)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp('curation')
    make_curation_images(root / 'images')
    ckpt = make_tiny_vit_checkpoint(root / 'tiny_vit.pth')
    return dict(images=str(root / 'images'), ckpt=ckpt)


def _embedder(ckpt, **kwargs):
    return build_image_embedder(ckpt, arch=TINY,
                                backbone_options=dict(img_size=56),
                                image_size=56, batch_size=4, **kwargs)


# -- image lists ------------------------------------------------------------
def test_image_list_from_folder_list_and_coco(tmp_path, world):
    pool = osp.join(world['images'], 'pool')
    folder = load_image_list(pool)
    assert folder == sorted(folder) and len(folder) == 13
    assert folder[0] == osp.join(pool, 'a', 'img_00.png')
    lst = tmp_path / 'list.txt'
    lst.write_text('# comment\na/img_01.png\n\na/img_00.png\na/img_01.png\n')
    assert load_image_list(str(lst), root=pool) == [
        osp.join(pool, 'a', 'img_01.png'), osp.join(pool, 'a', 'img_00.png')]
    coco = tmp_path / 'ann' / 'coco.json'
    coco.parent.mkdir()
    coco.write_text(json.dumps(dict(images=[
        dict(id=1, file_name='a/img_02.png')])))
    assert load_image_list(str(coco), root=pool) == [
        osp.join(pool, 'a', 'img_02.png')]
    # Default root: the file's folder.
    assert load_image_list(str(coco)) == [
        str(tmp_path / 'ann' / 'a' / 'img_02.png')]


def test_bad_image_lists_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='image source not found: '
                       '/no/such/dir'):
        load_image_list('/no/such/dir')
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ImageListError, match='empty: no image files found'):
        load_image_list(str(tmp_path / 'empty'))
    bad = tmp_path / 'bad.json'
    bad.write_text('{"images": [')
    with pytest.raises(ImageListError, match='bad.json: invalid JSON'):
        load_image_list(str(bad))
    bad.write_text('{"annotations": []}')
    with pytest.raises(ImageListError, match="no top-level 'images' list"):
        load_image_list(str(bad))
    bad.write_text('{"images": [{"id": 1}]}')
    with pytest.raises(ImageListError, match=r"images\[0\] has no "
                       "'file_name'"):
        load_image_list(str(bad))
    empty = tmp_path / 'empty.txt'
    empty.write_text('# nothing\n')
    with pytest.raises(ImageListError, match='empty.txt: lists no image'):
        load_image_list(str(empty))
    other = tmp_path / 'x.csv'
    other.write_text('a.png\n')
    with pytest.raises(ImageListError, match='expected an image folder'):
        load_image_list(str(other))


# -- embedder ---------------------------------------------------------------
def test_embedder_features(world):
    paths = load_image_list(osp.join(world['images'], 'pool'))
    embedder = _embedder(world['ckpt'])
    feats = embedder(paths)
    assert feats.shape == (13, 32) and feats.dtype == np.float32
    assert np.allclose(np.linalg.norm(feats, axis=1), 1, atol=1e-5)
    sims = feats @ feats.T
    copy = paths.index(osp.join(world['images'], 'pool', 'b',
                                'copy1_of_03.png'))
    assert sims[copy, 3] >= COPY_THRESHOLD
    distinct = sims[:10, :10][~np.eye(10, dtype=bool)]
    assert distinct.max() < 0.99
    # The fingerprint pins the model and its weights.
    fp = embedder.fingerprint
    assert len(fp['checkpoint_sha256']) == 64 and '"embed_dims": 32' in \
        fp['model'] and fp['feature'] == 'cls' and fp['image_size'] == 56
    # [cls ; mean patch] doubles the width.
    both = _embedder(world['ckpt'], feature='cls_patch_mean')(paths[:2])
    assert both.shape == (2, 64)
    assert np.allclose(both[:, :32] / np.linalg.norm(both[:, :32], axis=1,
                                                     keepdims=True),
                       feats[:2], atol=1e-5)


def test_image_features_needs_the_right_model():
    vit = DINOv2ViT(arch=TINY, img_size=28)
    with pytest.raises(TypeError, match="'extract_feat' needs a model"):
        image_features(vit, torch.zeros(1, 3, 28, 28), 'extract_feat')
    with pytest.raises(TypeError, match='forward_features'):
        image_features(torch.nn.Conv2d(3, 4, 3), torch.zeros(1, 3, 28, 28),
                       'cls')


def test_unreadable_image_is_named_or_skipped(tmp_path, world):
    good = osp.join(world['images'], 'curated', 'c0.png')
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'this is not a png')
    missing = str(tmp_path / 'missing.png')
    with pytest.raises(UnreadableImageError, match='broken.png: cannot read '
                       'image'):
        _embedder(world['ckpt'])([good, str(broken)])
    with pytest.raises(UnreadableImageError, match='missing.png: cannot '
                       'read image'):
        _embedder(world['ckpt'])([missing])
    skipping = _embedder(world['ckpt'], skip_unreadable=True)
    feats = skipping([good, str(broken), missing, good])
    assert np.isnan(feats[[1, 2]]).all() and np.isfinite(feats[[0, 3]]).all()
    # A batch with no readable image still has the model's width.
    assert skipping([missing]).shape == (1, 32)


def test_build_image_embedder_arguments(world):
    with pytest.raises(ValueError, match='exactly one of arch'):
        build_image_embedder(world['ckpt'])
    with pytest.raises(ValueError, match='pos_embed is stored for a 4x4 '
                       'grid'):
        build_image_embedder(world['ckpt'], arch=TINY)  # img_size 518


# -- the whole pipeline -----------------------------------------------------
def _params(**kwargs):
    return CurationParams(dedup_threshold=COPY_THRESHOLD,
                          eval_threshold=COPY_THRESHOLD, num_clusters=3,
                          num_neighbours=2, small_query_size=0, **kwargs)


def test_curate_image_sources_end_to_end(tmp_path, world):
    images = world['images']
    out = str(tmp_path / 'out')
    cache = str(tmp_path / 'cache')
    report = curate_image_sources(
        osp.join(images, 'curated'), osp.join(images, 'pool'), out,
        _embedder(world['ckpt']), eval_source=osp.join(images, 'eval'),
        params=_params(), cache_dir=cache, shard_size=4, progress=False)
    pool = lambda name: osp.join(images, 'pool', name)  # noqa: E731
    removed = report['removed']
    assert sorted((r['path'], r['kept'])
                  for r in removed['near_duplicates']) == [
        (pool('b/copy1_of_03.png'), pool('a/img_03.png')),
        (pool('b/copy2_of_03.png'), pool('a/img_03.png')),
        (pool('b/copy_of_07.png'), pool('a/img_07.png'))]
    assert [(r['path'], r['eval_image']) for r in removed['near_eval']] == [
        (pool('a/img_05.png'), osp.join(images, 'eval', 'e0.png'))]
    assert report['pool_accounting'] == dict(
        listed=13, unreadable=0, near_duplicates=3, near_eval=1,
        clustered=9)
    assert report['steps']['deduplication']['groups'] == 2
    # Retrieval: the 2 nearest of the 9 clustered images per curated image,
    # checked against the cached features.
    feats = {name: np.concatenate([
        np.load(osp.join(cache, name, f)) for f in sorted(
            os.listdir(osp.join(cache, name))) if f.endswith('.npy')])
        for name in ('curated', 'pool')}
    pool_paths = load_image_list(osp.join(images, 'pool'))
    kept = [i for i, p in enumerate(pool_paths)
            if p not in {r['path'] for r in removed['near_duplicates']} and
            p != pool('a/img_05.png')]
    top = np.argsort(-(feats['curated'] @ feats['pool'][kept].T), 1)[:, :2]
    expected = sorted({pool_paths[kept[j]] for j in top.ravel()})
    listed = (tmp_path / 'out' / 'selected_images.txt').read_text().split()
    assert sorted(listed) == expected
    sources = json.loads((tmp_path / 'out' / 'sources.json').read_text())
    assert [e['path'] for e in sources['images']] == listed
    assert report['final']['size'] == len(listed)
    summary = (tmp_path / 'out' / 'report.txt').read_text()
    assert '- near-duplicates      3' in summary
    on_disk = json.loads((tmp_path / 'out' / 'report.json').read_text())
    assert on_disk['pool_accounting'] == report['pool_accounting']
    assert on_disk['embedding']['checkpoint_sha256'] == \
        _embedder(world['ckpt']).fingerprint['checkpoint_sha256']
    assert not [n for n in os.listdir(out) if '.tmp-' in n]


def test_unreadable_pool_image_skipped_and_reported(tmp_path, world):
    pool = tmp_path / 'pool'
    shutil.copytree(osp.join(world['images'], 'pool', 'a'), pool)
    (pool / 'zz_broken.png').write_bytes(b'\x89PNG truncated')
    curated = osp.join(world['images'], 'curated')
    with pytest.raises(UnreadableImageError, match='zz_broken.png'):
        curate_image_sources(curated, str(pool), str(tmp_path / 'o1'),
                             _embedder(world['ckpt']), params=_params(),
                             progress=False)
    assert not (tmp_path / 'o1').exists()
    report = curate_image_sources(
        curated, str(pool), str(tmp_path / 'o2'),
        _embedder(world['ckpt'], skip_unreadable=True), params=_params(),
        progress=False)
    assert report['removed']['unreadable']['pool'] == [
        str(pool / 'zz_broken.png')]
    assert report['pool_accounting']['unreadable'] == 1
    assert report['pool_accounting']['clustered'] == 10
    assert report['inputs']['pool']['unreadable'] == 1


def test_too_many_clusters_is_a_clear_error(tmp_path, world):
    with pytest.raises(ValueError, match='num_clusters=50 is larger than '
                       'the 9 pool images left'):
        curate_image_sources(
            osp.join(world['images'], 'curated'),
            osp.join(world['images'], 'pool'), str(tmp_path / 'o'),
            _embedder(world['ckpt']),
            eval_source=osp.join(world['images'], 'eval'),
            params=CurationParams(dedup_threshold=COPY_THRESHOLD,
                                  eval_threshold=COPY_THRESHOLD,
                                  num_clusters=50), progress=False)
