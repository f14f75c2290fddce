from .coco import (CocoFormatError, StrictCocoDataset, load_coco_json,
                   validate_coco_dict)
from .coco_semseg import CocoSemSegDataset
from .depth_dataset import DepthDataset
from .image_text import ImageTextFormatError, KarpathyImageText
from .pedes import CUHKPEDES, ICFGPEDES, PEDESDataset, RSTPReid
from .transforms import *  # noqa: F401,F403

__all__: list = ['CUHKPEDES', 'ICFGPEDES', 'PEDESDataset', 'RSTPReid']
__all__ += ['CocoSemSegDataset', 'DepthDataset']
__all__ += ['ImageTextFormatError', 'KarpathyImageText']
__all__ += ['CocoFormatError', 'StrictCocoDataset', 'load_coco_json',
            'validate_coco_dict', 'ensure_demo_world', 'generate_demo_world']

# The demo-world generator is imported on first use (it is not needed to
# build or run a model): ``from mmvision_plus.datasets import
# generate_demo_world`` still works.
_DEMO_WORLD_NAMES = ('ensure_demo_world', 'generate_demo_world')


def __getattr__(name: str):
    if name in _DEMO_WORLD_NAMES:
        from . import demo_world
        return getattr(demo_world, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__() -> list:
    return sorted(set(globals()) | set(_DEMO_WORLD_NAMES))
