from .coco import (CocoFormatError, StrictCocoDataset, load_coco_json,
                   validate_coco_dict)
from .coco_semseg import CocoSemSegDataset
from .curation import (CurationParams, curate_embeddings,
                       curate_image_sources)
from .demo_world import ensure_demo_world, generate_demo_world
from .depth_dataset import DepthDataset
from .pedes import CUHKPEDES, ICFGPEDES, PEDESDataset, RSTPReid
from .transforms import *  # noqa: F401,F403

__all__: list = ['CUHKPEDES', 'ICFGPEDES', 'PEDESDataset', 'RSTPReid']
__all__ += ['CocoSemSegDataset', 'DepthDataset']
__all__ += ['CocoFormatError', 'StrictCocoDataset', 'load_coco_json',
            'validate_coco_dict', 'ensure_demo_world', 'generate_demo_world']
__all__ += ['CurationParams', 'curate_embeddings', 'curate_image_sources']
