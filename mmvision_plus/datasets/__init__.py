from .coco import (CocoFormatError, StrictCocoDataset, load_coco_json,
                   validate_coco_dict)
from .coco_semseg import CocoSemSegDataset
from .depth_dataset import DepthDataset
from .image_text import ImageTextFormatError, KarpathyImageText
from .pedes import CUHKPEDES, ICFGPEDES, PEDESDataset, RSTPReid
from .refcoco_grounding import RefCocoFormatError, RefCocoGroundingDataset
from .ref_vos import RefVOSDataset, RefVOSFormatError
from .transforms import *  # noqa: F401,F403

__all__: list = ['CUHKPEDES', 'ICFGPEDES', 'PEDESDataset', 'RSTPReid']
__all__ += ['CocoSemSegDataset', 'DepthDataset']
__all__ += ['RefCocoFormatError', 'RefCocoGroundingDataset']
__all__ += ['RefVOSDataset', 'RefVOSFormatError']
__all__ += ['ImageTextFormatError', 'KarpathyImageText']
__all__ += ['CocoFormatError', 'StrictCocoDataset', 'load_coco_json',
            'validate_coco_dict', 'ensure_demo_world', 'generate_demo_world']
__all__ += ['CurationParams', 'curate_embeddings', 'curate_image_sources']

# Tools that are not needed to build or run a model are imported on first
# use: the demo-world generator, and the data curation (it imports faiss).
# ``from mmvision_plus.datasets import generate_demo_world`` still works.
_LAZY_NAMES = {
    'ensure_demo_world': 'demo_world',
    'generate_demo_world': 'demo_world',
    'CurationParams': 'curation',
    'curate_embeddings': 'curation',
    'curate_image_sources': 'curation',
}


def __getattr__(name: str):
    if name in _LAZY_NAMES:
        import importlib
        module = importlib.import_module(f'{__name__}.{_LAZY_NAMES[name]}')
        return getattr(module, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY_NAMES))
