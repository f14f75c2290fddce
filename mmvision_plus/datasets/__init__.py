from .coco import (CocoFormatError, StrictCocoDataset, load_coco_json,
                   validate_coco_dict)
from .demo_world import ensure_demo_world, generate_demo_world
from .transforms import *  # noqa: F401,F403

__all__: list = []
__all__ += ['CocoFormatError', 'StrictCocoDataset', 'load_coco_json',
            'validate_coco_dict', 'ensure_demo_world', 'generate_demo_world']
