from .data_preprocessor import DINOv2DataPreprocessor
from .dinov2 import DINOv2

__all__ = ['DINOv2', 'DINOv2DataPreprocessor']
