"""Depth maps, NYU-Depth style: ``depth/{train,val}/<image_id:06d>.png``,
uint16 metres x 1000, aligned with ``images/``."""
from ..storage import save_png
from .base import SceneRecord, ScenePartWriter


class DepthWriter(ScenePartWriter):
    """Part ``depth``: one uint16 PNG per scene."""

    def add(self, record: SceneRecord) -> None:
        save_png(record.scene.depth,
                 self.root / 'depth' / record.split / record.file_name)
