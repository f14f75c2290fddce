from .loading import LoadImageFromFile
from .text import PackTextImageInputs, TokenizeText

__all__: list = ['PackTextImageInputs', 'TokenizeText']
__all__ += ['LoadImageFromFile']
