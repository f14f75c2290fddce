"""ImageNet-style object crops: ``crops/{train,val}/<class_name>/*.png``.

Every scene object that is >= 85 % visible and >= 10 px (at 160 px) is cut
out (square, 30 % context; edge pixels repeated where the window leaves
the image) and resized to ``crop_size``.
"""
from pathlib import Path
from typing import Dict

import numpy as np
from PIL import Image

from ..geometry import SHAPE_CLASSES
from ..scenes import REFERENCE_SIZE
from ..storage import save_png
from .base import SceneRecord, ScenePartWriter


class CropsWriter(ScenePartWriter):
    """Part ``crops``.

    Args:
        root (Path): Directory the world is written to.
        seed (int): Seed of the world.
        img_size (int): Side of the scenes (px).
        crop_size (int): Side of the crops (px).
    """

    def __init__(self, root: Path, seed: int, img_size: int,
                 crop_size: int) -> None:
        super().__init__(root, seed, img_size)
        self.crop_size = crop_size
        self.num_crops = 0

    def add(self, record: SceneRecord) -> None:
        min_side = 10.0 * self.img_size / REFERENCE_SIZE
        last = self.img_size - 1
        for ann in record.annotations:
            x, y, w, h = ann['bbox']
            if ann['visible_fraction'] < 0.85 or min(w, h) < min_side:
                continue
            side = 1.3 * max(w, h)
            x0 = int(round(x + w / 2 - side / 2))
            y0 = int(round(y + h / 2 - side / 2))
            s = int(round(side))
            rows = np.clip(np.arange(y0, y0 + s), 0, last)
            cols = np.clip(np.arange(x0, x0 + s), 0, last)
            crop = Image.fromarray(record.scene.image[rows][:, cols]).resize(
                (self.crop_size, self.crop_size), Image.BICUBIC)
            name = SHAPE_CLASSES[ann['category_id'] - 1]
            path = (self.root / 'crops' / record.split / name /
                    f'{ann["image_id"]:06d}_{ann["id"]:06d}.png')
            save_png(np.asarray(crop), path)
            self.num_crops += 1

    def close(self) -> Dict[str, int]:
        return dict(crops=self.num_crops)
