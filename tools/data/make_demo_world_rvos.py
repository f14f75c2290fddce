"""Referring expressions for the demo world's videos (R-VOS), in the
Ref-YouTube-VOS ``meta_expressions.json`` layout.

The demo world's videos (``videos/annotations``) carry categories but no
colours or sizes. This tool rebuilds each clip from the world's seed (the
generator is deterministic: same random streams, same objects, and the
frames are re-rendered to find which objects were ever visible, by the
writer's rule), and names every object with the shortest description that
is unique in its video: ``the <shape>``, ``the <colour> <shape>`` or
``the <size> <colour> <shape>`` (the object's size class when it enters;
objects that stay ambiguous get no expression). ``obj_id`` is the object's
``instance_id`` in the CocoVID json, as :class:`RefVOSDataset` reads it::

    python tools/data/make_demo_world_rvos.py data/demo_world

writes ``videos/meta_expressions/{train,valid}.json`` and prints counts.
"""
import argparse
from pathlib import Path
from typing import Dict, List, Tuple

import mmengine
import numpy as np

from mmvision_plus.datasets.demo_world import read_marker
from mmvision_plus.datasets.demo_world.seeding import stream_rng
from mmvision_plus.datasets.demo_world.videos import Clip
from mmvision_plus.datasets.demo_world.writers.youtube_vis import \
    _SPLIT_CODES

MIN_VISIBLE_PIXELS = 4  # the YouTube-VIS writer's rule for a visible object


def _visible_objects(clip: Clip) -> List[int]:
    """Indices of the clip's objects visible in some frame (the writer's
    tracks, in order)."""
    seen = set()
    for _, centre in clip.frames():
        for i in range(len(clip.objects)):
            if np.count_nonzero(centre == i) >= MIN_VISIBLE_PIXELS:
                seen.add(i)
    return sorted(seen)


def _descriptions(objects: list) -> List[str]:
    """The shortest unique description of each object ('' if none)."""
    keys = [lambda o: (o.shape, ), lambda o: (o.colour, o.shape),
            lambda o: (o.size, o.colour, o.shape)]
    out = []
    for obj in objects:
        text = ''
        for key in keys:
            if sum(key(o) == key(obj) for o in objects) == 1:
                text = 'the ' + ' '.join(key(obj))
                break
        out.append(text)
    return out


def _instance_ids(cocovid: dict) -> Dict[Tuple, int]:
    """(video id, frame id, bbox) -> CocoVID instance_id."""
    frame_of = {img['id']: img['frame_id'] for img in cocovid['images']}
    return {(a['video_id'], frame_of[a['image_id']],
             tuple(float(v) for v in a['bbox'])): a['instance_id']
            for a in cocovid['annotations']}


def split_expressions(root: Path, split: str, args: dict) -> dict:
    """The expressions of one split (``train`` or ``valid``)."""
    ann_dir = root / 'videos' / 'annotations'
    raw = mmengine.load(str(ann_dir / f'{split}.json'))
    instance_of = _instance_ids(
        mmengine.load(str(ann_dir / f'youtube_vis_2019_{split}.json')))
    tracks_of: Dict[int, list] = {}
    for track in raw['annotations']:
        tracks_of.setdefault(track['video_id'], []).append(track)
    out = dict(videos={})
    for k, video in enumerate(raw['videos']):
        clip = Clip(stream_rng(args['seed'], 'video', _SPLIT_CODES[split], k),
                    args['img_size'], tuple(args['video_frames']))
        objects = [clip.objects[i] for i in _visible_objects(clip)]
        tracks = tracks_of.get(video['id'], [])
        names = [c['name'] for c in raw['categories']]
        if len(objects) != len(tracks) or any(
                names[t['category_id'] - 1] != o.shape
                for t, o in zip(tracks, objects)):
            raise RuntimeError(
                f'{root}: video {video["file_names"][0].split("/")[0]} does '
                'not match its regenerated clip (a world of another '
                'generator version?); regenerate the world')
        expressions = {}
        for track, text in zip(tracks, _descriptions(objects)):
            if not text:
                continue
            frame = next(t for t, b in enumerate(track['bboxes'])
                         if b is not None)
            key = (video['id'], frame,
                   tuple(float(v) for v in track['bboxes'][frame]))
            expressions[str(len(expressions))] = dict(
                exp=text, obj_id=str(instance_of[key]))
        name = video['file_names'][0].split('/')[0]
        out['videos'][name] = dict(
            expressions=expressions,
            frames=[f.split('/')[1].split('.')[0]
                    for f in video['file_names']])
    return out


def write_expressions(root: str) -> Dict[str, int]:
    """Write ``videos/meta_expressions/{train,valid}.json`` of a world.

    Returns:
        dict[str, int]: Expressions per split.

    Raises:
        FileNotFoundError: ``root`` is not a finished demo world with
            videos.
    """
    root = Path(root)
    marker = read_marker(root)
    if marker is None or 'videos' not in marker.get('parts', []):
        raise FileNotFoundError(f'{root}: not a finished demo world with '
                                'videos (tools/data/make_demo_world.py)')
    counts = {}
    for split in ('train', 'valid'):
        meta = split_expressions(root, split, marker['args'])
        mmengine.dump(meta, str(root / 'videos' / 'meta_expressions' /
                                f'{split}.json'))
        counts[split] = sum(len(v['expressions'])
                            for v in meta['videos'].values())
    return counts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='the demo world, e.g. data/demo_world')
    args = parser.parse_args(argv)
    counts = write_expressions(args.root)
    print(f'wrote {args.root}/videos/meta_expressions: ' +
          ', '.join(f'{n} {s}' for s, n in counts.items()) + ' expressions')


if __name__ == '__main__':
    main()
