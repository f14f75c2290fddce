from .dense import LoadDepthMap, PackDenseInputs, RasterizeCocoSemSeg
from .glee_prompts import FormatGLEEPrompts
from .loading import StrictLoadImageFromFile
from .text import PackTextImageInputs, TokenizeText

__all__: list = ['PackTextImageInputs', 'TokenizeText']
__all__ += ['LoadDepthMap', 'PackDenseInputs', 'RasterizeCocoSemSeg']
__all__ += ['StrictLoadImageFromFile']
from .dinov2_multicrop import DINOv2MultiCrop
from .ibot_masking import BlockMaskGenerator, dinov2_collate, ibot_block_masks
__all__ += ['DINOv2MultiCrop', 'BlockMaskGenerator', 'dinov2_collate',
            'ibot_block_masks']
__all__ += ['FormatGLEEPrompts']
