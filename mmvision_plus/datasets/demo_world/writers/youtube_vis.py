"""YouTube-VIS 2019: ``videos/JPEGImages/<video>/<frame:05d>.jpg``,
``videos/annotations/{train,valid}.json`` (raw layout) and
``videos/annotations/youtube_vis_2019_{train,valid}.json`` (CocoVID).

``num_videos`` train and ``num_val_videos`` valid clips (see
:mod:`..videos`). The raw files follow the YouTube-VIS 2019 release
(per-track uncompressed-RLE segmentations, ``None`` where absent; unlike
the public release, ``valid`` carries its annotations); the CocoVID files
hold the same in the layout mmdet's converter produces, which mmdet's
``YouTubeVISDataset`` reads.
"""
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from ..geometry import SHAPE_CLASSES, mask_bbox, rle_encode
from ..seeding import stream_rng
from ..storage import dump_json, save_jpeg
from ..videos import Clip
from .coco_instances import coco_categories

_SPLIT_CODES = {'train': 0, 'valid': 1}  # first index of the video stream


def _write_video(root: Path, rng: np.random.Generator, video_id: int,
                 img_size: int, frame_range: Tuple[int, int],
                 first_track_id: int) -> Tuple[dict, List[dict]]:
    """Render and save one clip.

    Returns:
        tuple: its YouTube-VIS ``videos`` entry and its track records
        (tracks never visible are dropped).
    """
    name = f'demo{video_id:04d}'
    clip = Clip(rng, img_size, frame_range)
    file_names = []
    tracks = [dict(segmentations=[], bboxes=[], areas=[])
              for _ in clip.objects]
    for t, (image, centre) in enumerate(clip.frames()):
        file_name = f'{name}/{t:05d}.jpg'
        save_jpeg(image, root / 'videos' / 'JPEGImages' / file_name)
        file_names.append(file_name)
        for i, track in enumerate(tracks):
            visible = centre == i
            if np.count_nonzero(visible) < 4:
                track['segmentations'].append(None)
                track['bboxes'].append(None)
                track['areas'].append(None)
                continue
            track['segmentations'].append(rle_encode(visible))
            track['bboxes'].append(mask_bbox(visible))
            track['areas'].append(int(np.count_nonzero(visible)))
    video = dict(id=video_id, width=img_size, height=img_size,
                 length=clip.length, file_names=file_names, license=1,
                 flickr_url='', coco_url='', date_captured='')
    records = []
    for obj, track in zip(clip.objects, tracks):
        if all(a is None for a in track['areas']):
            continue
        records.append(dict(id=first_track_id + len(records),
                            video_id=video_id,
                            category_id=SHAPE_CLASSES.index(obj.shape) + 1,
                            iscrowd=0, height=img_size, width=img_size,
                            length=1, **track))
    return video, records


def to_cocovid(raw: dict) -> dict:
    """Raw YouTube-VIS 2019 -> CocoVID layout, as mmdet's converter
    ``tools/dataset_converters/youtubevis2coco.py`` writes it (a script,
    not importable from the mmdet package)."""
    out = dict(categories=raw['categories'], videos=[], images=[],
               annotations=[])
    tracks_of: Dict[int, List[dict]] = {}
    for track in raw['annotations']:
        tracks_of.setdefault(track['video_id'], []).append(track)
    img_id, ann_id, instance_ids = 1, 1, {}
    for video in raw['videos']:
        out['videos'].append(dict(id=video['id'],
                                  name=video['file_names'][0].split('/')[0],
                                  width=video['width'],
                                  height=video['height']))
        for frame_id, file_name in enumerate(video['file_names']):
            out['images'].append(dict(file_name=file_name,
                                      height=video['height'],
                                      width=video['width'], id=img_id,
                                      frame_id=frame_id,
                                      video_id=video['id']))
            for track in tracks_of.get(video['id'], []):
                if track['bboxes'][frame_id] is None:
                    continue
                instance_id = instance_ids.setdefault(track['id'],
                                                      len(instance_ids) + 1)
                out['annotations'].append(dict(
                    id=ann_id, video_id=video['id'], image_id=img_id,
                    category_id=track['category_id'],
                    instance_id=instance_id,
                    bbox=track['bboxes'][frame_id],
                    segmentation=track['segmentations'][frame_id],
                    area=track['areas'][frame_id], iscrowd=track['iscrowd']))
                ann_id += 1
            img_id += 1
    return out


def write_videos(root: Path, seed: int, img_size: int, num_videos: int,
                 num_val_videos: int,
                 frame_range: Tuple[int, int]) -> int:
    """Write both splits; video and track ids run on across them.

    Args:
        root (Path): Directory the world is written to.
        seed (int): Seed of the world.
        img_size (int): Side of the frames (px).
        num_videos (int): Number of ``train`` videos.
        num_val_videos (int): Number of ``valid`` videos.
        frame_range (tuple[int, int]): Min and max frames per video.

    Returns:
        int: Number of frames written.
    """
    video_id, track_id, frames = 1, 1, 0
    for split, num in (('train', num_videos), ('valid', num_val_videos)):
        raw = dict(info=dict(description='mmvision_plus demo world videos',
                             version='1.0', year=2024,
                             contributor='mmvision_plus', date_created=''),
                   licenses=[dict(id=1, name='CC0', url='')], videos=[],
                   categories=coco_categories(), annotations=[])
        for k in range(num):
            video, tracks = _write_video(
                root, stream_rng(seed, 'video', _SPLIT_CODES[split], k),
                video_id, img_size, frame_range, track_id)
            raw['videos'].append(video)
            raw['annotations'].extend(tracks)
            video_id += 1
            track_id += len(tracks)
            frames += video['length']
        ann_dir = root / 'videos' / 'annotations'
        dump_json(raw, ann_dir / f'{split}.json')
        dump_json(to_cocovid(raw), ann_dir / f'youtube_vis_2019_{split}.json')
    return frames
