"""The scene-based parts: render every scene once, write
``images/{train,val}/<image_id:06d>.png`` and hand the scene to the writer
of each requested part."""
from pathlib import Path
from typing import Dict, List, Set

from ..scenes import make_scene
from ..seeding import SCENE_SPLIT_CODES, stream_rng
from ..storage import save_png
from .base import SceneRecord, ScenePartWriter
from .captions import CaptionsWriter
from .coco_instances import CocoInstancesWriter, scene_annotations
from .crops import CropsWriter
from .depth import DepthWriter
from .refcoco import RefCocoWriter

#: Parts written from the rendered scenes.
SCENE_PARTS = frozenset(('detection', 'depth', 'captions', 'refcoco',
                         'crops'))


def _part_writers(root: Path, seed: int, img_size: int, parts: Set[str],
                  captions_per_image: int,
                  crop_size: int) -> List[ScenePartWriter]:
    """The writers of the requested scene-based parts."""
    writers: List[ScenePartWriter] = []
    if 'detection' in parts:
        writers.append(CocoInstancesWriter(root, seed, img_size))
    if 'depth' in parts:
        writers.append(DepthWriter(root, seed, img_size))
    if 'captions' in parts:
        writers.append(CaptionsWriter(root, seed, img_size,
                                      captions_per_image))
    if 'refcoco' in parts:
        writers.append(RefCocoWriter(root, seed, img_size))
    if 'crops' in parts:
        writers.append(CropsWriter(root, seed, img_size, crop_size))
    return writers


def write_scenes(root: Path, seed: int, parts: Set[str], num_train: int,
                 num_val: int, img_size: int, captions_per_image: int,
                 crop_size: int) -> Dict[str, int]:
    """Render the train and val scenes and write the scene-based parts.

    Image ids run from 1 over train then val, annotation ids likewise over
    the objects; the images are written whichever parts are requested.

    Args:
        root (Path): Directory the world is written to.
        seed (int): Seed of the world.
        parts (set[str]): Requested parts (those outside
            :data:`SCENE_PARTS` are ignored).
        num_train (int): Number of training scenes.
        num_val (int): Number of validation scenes.
        img_size (int): Side of the scenes (px).
        captions_per_image (int): Captions per scene.
        crop_size (int): Side of the object crops (px).

    Returns:
        dict[str, int]: Counts for the ``DONE`` marker (``scenes``,
        ``objects`` and those of the writers).
    """
    writers = _part_writers(root, seed, img_size, parts, captions_per_image,
                            crop_size)
    next_ann_id = 1
    for split, first_id, num in (('train', 1, num_train),
                                 ('val', num_train + 1, num_val)):
        for index in range(num):
            image_id = first_id + index
            scene = make_scene(
                stream_rng(seed, 'scene', SCENE_SPLIT_CODES[split], index),
                img_size)
            name = f'{image_id:06d}.png'
            save_png(scene.image, root / 'images' / split / name)
            info = dict(id=image_id, file_name=name, width=img_size,
                        height=img_size, coco_url=f'images/{split}/{name}')
            record = SceneRecord(split, index, name, scene, info,
                                 scene_annotations(scene, image_id,
                                                   next_ann_id))
            next_ann_id += len(record.annotations)
            for writer in writers:
                writer.add(record)
        for writer in writers:
            writer.end_split(split)
    counts = dict(scenes=num_train + num_val, objects=next_ann_id - 1)
    for writer in writers:
        counts.update(writer.close())
    return counts
