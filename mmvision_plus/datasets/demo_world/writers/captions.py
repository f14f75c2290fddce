"""COCO captions (``annotations/captions_{train,val}.json``) and
Karpathy-style retrieval lists (``annotations/retrieval_{train,val}.json``).
"""
from pathlib import Path
from typing import List

from ..language import scene_captions
from ..seeding import SCENE_SPLIT_CODES, stream_rng
from ..storage import dump_json
from .base import SceneRecord, ScenePartWriter
from .coco_instances import coco_split_header


class CaptionsWriter(ScenePartWriter):
    """Part ``captions``: ``captions_per_image`` captions per scene, in both
    layouts; caption ids run on across splits.

    Args:
        root (Path): Directory the world is written to.
        seed (int): Seed of the world.
        img_size (int): Side of the scenes (px).
        captions_per_image (int): Captions per scene.
    """

    def __init__(self, root: Path, seed: int, img_size: int,
                 captions_per_image: int) -> None:
        super().__init__(root, seed, img_size)
        self.captions_per_image = captions_per_image
        self.next_caption_id = 1
        self.images: List[dict] = []
        self.captions: List[dict] = []
        self.retrieval: List[dict] = []

    def add(self, record: SceneRecord) -> None:
        rng = stream_rng(self.seed, 'scene_text',
                         SCENE_SPLIT_CODES[record.split], record.index)
        texts = scene_captions(record.scene, rng, self.img_size,
                               self.captions_per_image)
        image_id = record.image_info['id']
        for text in texts:
            self.captions.append(dict(id=self.next_caption_id,
                                      image_id=image_id, caption=text))
            self.next_caption_id += 1
        self.images.append(record.image_info)
        self.retrieval.append(dict(image=f'{record.split}/{record.file_name}',
                                   caption=texts, image_id=image_id))

    def end_split(self, split: str) -> None:
        ann_dir = self.root / 'annotations'
        dump_json(dict(coco_split_header(split, self.seed),
                       images=self.images, annotations=self.captions),
                  ann_dir / f'captions_{split}.json')
        dump_json(self.retrieval, ann_dir / f'retrieval_{split}.json')
        self.images, self.captions, self.retrieval = [], [], []
