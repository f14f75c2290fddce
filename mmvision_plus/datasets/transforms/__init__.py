from .dense import LoadDepthMap, PackDenseInputs, RasterizeCocoSemSeg
from .glee_prompts import FormatGLEEPrompts
from .loading import StrictLoadImageFromFile
from .text import PackTextImageInputs, TokenizeText

__all__: list = ['PackTextImageInputs', 'TokenizeText']
__all__ += ['LoadDepthMap', 'PackDenseInputs', 'RasterizeCocoSemSeg']
__all__ += ['StrictLoadImageFromFile']
__all__ += ['FormatGLEEPrompts']
