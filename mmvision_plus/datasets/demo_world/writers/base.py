"""What the scene-based format writers share: one rendered scene with its
COCO instance annotations, and the writer interface."""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

from ..scenes import Scene


@dataclass
class SceneRecord:
    """One rendered scene, as every scene-based writer sees it."""
    split: str  # 'train' or 'val'
    index: int  # position of the scene within its split (0-based)
    file_name: str  # '<image_id:06d>.png', under images/<split>/
    scene: Scene
    image_info: dict  # COCO ``images`` entry
    annotations: List[dict]  # COCO instance annotations of the objects


class ScenePartWriter:
    """Writes one part of the world from the rendered scenes.

    The scenes of each split are rendered once and passed to every
    writer in turn (:meth:`add`); :meth:`end_split` follows the last scene
    of a split and :meth:`close` the last split.

    Args:
        root (Path): Directory the world is written to.
        seed (int): Seed of the world.
        img_size (int): Side of the scenes (px).
    """

    def __init__(self, root: Path, seed: int, img_size: int) -> None:
        self.root, self.seed, self.img_size = root, seed, img_size

    def add(self, record: SceneRecord) -> None:
        """Take in one scene."""
        raise NotImplementedError

    def end_split(self, split: str) -> None:
        """Write what covers a whole split (nothing by default)."""

    def close(self) -> Dict[str, int]:
        """Write what covers every split.

        Returns:
            dict[str, int]: Counts for the ``DONE`` marker.
        """
        return {}
