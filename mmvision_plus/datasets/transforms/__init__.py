from .loading import LoadImageFromFile

__all__: list = []
__all__ += ['LoadImageFromFile']
