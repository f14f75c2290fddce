"""Convert video object segmentation annotations to the CocoVID layout that
mmdet's video datasets (and ``RefVOSDataset``) read.

Two sources:

* ``palette``: DAVIS 2017, YouTube-VOS and Ref-YouTube-VOS (frames
  ``<images>/<video>/<frame>.jpg``, palette PNG masks
  ``<annotations>/<video>/<frame>.png`` whose pixel value is the object id,
  0 background, 255 void). Every object becomes a track with
  ``instance_id`` = its palette id (the ``obj_id`` of Ref-YouTube-VOS
  expressions), category ``object``; frames without a PNG have no
  annotations.
* ``burst``: BURST (TAO) json (``sequences`` with ``annotated_image_paths``,
  per-frame ``segmentations`` {track id: {"rle"}}); tracks keep their
  ids, category ``object`` (class-agnostic tracking).

Examples::

    python tools/dataset_converters/vos2cocovid.py palette \\
        data/DAVIS/JPEGImages/480p data/DAVIS/Annotations/480p \\
        data/DAVIS/annotations/davis17_val_cocovid.json \\
        --videos data/DAVIS/ImageSets/2017/val.txt
    python tools/dataset_converters/vos2cocovid.py palette \\
        data/ref_youtube_vos/train/JPEGImages \\
        data/ref_youtube_vos/train/Annotations \\
        data/ref_youtube_vos/annotations/train_cocovid.json
    python tools/dataset_converters/vos2cocovid.py burst \\
        data/burst/annotations/val/all_classes.json \\
        data/burst/annotations/burst_val_cocovid.json
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Optional

import mmengine
import numpy as np
import pycocotools.mask as mask_utils
from PIL import Image

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png')
VOID = 255


class VOSFormatError(ValueError):
    """A source that is not in the expected layout."""


def _annotation(ann_id: int, video_id: int, image_id: int, instance_id: int,
                rle: dict) -> dict:
    rle = dict(rle, counts=rle['counts'].decode() if isinstance(
        rle['counts'], bytes) else rle['counts'])
    return dict(id=ann_id, video_id=video_id, image_id=image_id,
                category_id=1, instance_id=instance_id,
                bbox=[float(v) for v in mask_utils.toBbox(rle)],
                area=float(mask_utils.area(rle)), segmentation=rle,
                iscrowd=0)


def convert_palette(images_dir: str, annotations_dir: str,
                    videos: Optional[List[str]] = None) -> Dict:
    """CocoVID dict of palette-PNG annotated videos (see the module)."""
    if not osp.isdir(images_dir):
        raise VOSFormatError(f'{images_dir}: no such folder of video frames')
    videos = sorted(os.listdir(images_dir)) if videos is None else videos
    out = dict(categories=[dict(id=1, name='object')], videos=[], images=[],
               annotations=[])
    for video_id, name in enumerate(videos, start=1):
        frame_dir = osp.join(images_dir, name)
        if not osp.isdir(frame_dir):
            raise VOSFormatError(f'{frame_dir}: video {name!r} has no '
                                 'frame folder')
        frames = sorted(f for f in os.listdir(frame_dir)
                        if f.lower().endswith(IMAGE_EXTENSIONS))
        width = height = None
        for frame_id, frame in enumerate(frames):
            stem = osp.splitext(frame)[0]
            png = osp.join(annotations_dir, name, stem + '.png')
            if width is None:
                with Image.open(osp.join(frame_dir, frame)) as img:
                    width, height = img.size
            image_id = len(out['images']) + 1
            out['images'].append(dict(id=image_id, video_id=video_id,
                                      frame_id=frame_id, width=width,
                                      height=height,
                                      file_name=f'{name}/{frame}'))
            if not osp.isfile(png):
                continue
            labels = np.array(Image.open(png))
            if labels.ndim != 2:
                raise VOSFormatError(f'{png}: not a palette (index) PNG')
            for object_id in np.unique(labels):
                if object_id in (0, VOID):
                    continue
                rle = mask_utils.encode(
                    np.asfortranarray((labels == object_id).astype(np.uint8)))
                out['annotations'].append(_annotation(
                    len(out['annotations']) + 1, video_id, image_id,
                    int(object_id), rle))
        out['videos'].append(dict(id=video_id, name=name, width=width,
                                  height=height))
    return out


def convert_burst(burst: dict) -> Dict:
    """CocoVID dict of a BURST annotation json (see the module)."""
    if 'sequences' not in burst:
        raise VOSFormatError('not a BURST json: no "sequences"')
    out = dict(categories=[dict(id=1, name='object')], videos=[], images=[],
               annotations=[])
    for video_id, seq in enumerate(burst['sequences'], start=1):
        prefix = osp.join(seq['dataset'], seq['seq_name'])
        height, width = seq['height'], seq['width']
        out['videos'].append(dict(id=video_id, name=prefix, width=width,
                                  height=height))
        for frame_id, (path, segs) in enumerate(
                zip(seq['annotated_image_paths'], seq['segmentations'])):
            image_id = len(out['images']) + 1
            out['images'].append(dict(id=image_id, video_id=video_id,
                                      frame_id=frame_id, width=width,
                                      height=height,
                                      file_name=osp.join(prefix, path)))
            for track_id, seg in segs.items():
                rle = dict(size=[height, width], counts=seg['rle'])
                out['annotations'].append(_annotation(
                    len(out['annotations']) + 1, video_id, image_id,
                    int(track_id), rle))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='source', required=True)
    palette = sub.add_parser('palette', help='DAVIS / YouTube-VOS layout')
    palette.add_argument('images', help='folder of <video>/<frame>.jpg')
    palette.add_argument('annotations', help='folder of <video>/<frame>.png')
    palette.add_argument('out', help='output json')
    palette.add_argument('--videos', help='text file of video names (one a '
                         'line, e.g. DAVIS ImageSets/2017/val.txt)')
    burst = sub.add_parser('burst', help='BURST json')
    burst.add_argument('json', help='BURST annotation json')
    burst.add_argument('out', help='output json')
    args = parser.parse_args(argv)
    if args.source == 'palette':
        videos = None
        if args.videos:
            with open(args.videos) as f:
                videos = [line.strip() for line in f if line.strip()]
        result = convert_palette(args.images, args.annotations, videos)
    else:
        result = convert_burst(mmengine.load(args.json))
    mmengine.dump(result, args.out)
    print(f'wrote {args.out}: {len(result["videos"])} videos, '
          f'{len(result["images"])} frames, {len(result["annotations"])} '
          'masks')


if __name__ == '__main__':
    main()
