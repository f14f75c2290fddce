"""COCO instances: ``annotations/instances_{train,val}.json``.

Annotations follow COCO conventions: ``segmentation`` holds polygons of the
*visible* region (after occlusion), ``bbox`` is the tight box of that
visible region and ``area`` its pixel area. Extra per-object fields
``colour``, ``size`` (the sampled COCO size class), ``depth`` (metres) and
``visible_fraction`` are carried along; loaders ignore them. The header and
categories here are shared by every COCO-style file of the world.
"""
from typing import List

from ..geometry import SHAPE_CLASSES, SS, mask_bbox, mask_polygons
from ..scenes import Scene
from ..storage import dump_json
from .base import SceneRecord, ScenePartWriter


def coco_header(description: str, seed: int) -> dict:
    """``info`` and ``licenses`` of a COCO-style file."""
    return dict(info=dict(description=description, version='1.0',
                          year=2024, contributor='mmvision_plus',
                          url='', date_created='', seed=seed),
                licenses=[])


def coco_categories() -> List[dict]:
    """COCO ``categories``: the shape classes, ids from 1."""
    return [dict(id=i + 1, name=name, supercategory='shape')
            for i, name in enumerate(SHAPE_CLASSES)]


def scene_annotations(scene: Scene, image_id: int,
                      first_id: int) -> List[dict]:
    """COCO instance annotations of the objects of a scene.

    Args:
        scene (Scene): The rendered scene.
        image_id (int): COCO id of its image.
        first_id (int): Annotation id of its first object; the others
            follow.
    """
    anns = []
    for i, obj in enumerate(scene.objects):
        visible = scene.visible(i)
        polygons, _ = mask_polygons(visible)
        anns.append(dict(
            id=first_id + i, image_id=image_id,
            category_id=SHAPE_CLASSES.index(obj.shape) + 1,
            bbox=mask_bbox(visible.data, SS, (visible.x0, visible.y0)),
            area=round(visible.area() / SS**2, 2),
            segmentation=polygons, iscrowd=0, colour=obj.colour,
            size=obj.size, depth=obj.depth,
            visible_fraction=round(
                visible.area() / scene.amodal[i].area(), 3)))
    return anns


def coco_split_header(split: str, seed: int) -> dict:
    """Header of the per-split COCO files (instances and captions)."""
    return coco_header(f'mmvision_plus demo world {split}', seed)


class CocoInstancesWriter(ScenePartWriter):
    """Part ``detection``: one COCO instances file per split."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.images: List[dict] = []
        self.annotations: List[dict] = []

    def add(self, record: SceneRecord) -> None:
        self.images.append(record.image_info)
        self.annotations.extend(record.annotations)

    def end_split(self, split: str) -> None:
        dump_json(dict(coco_split_header(split, self.seed),
                       images=self.images, annotations=self.annotations,
                       categories=coco_categories()),
                  self.root / 'annotations' / f'instances_{split}.json')
        self.images, self.annotations = [], []
