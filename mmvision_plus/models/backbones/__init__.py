from .dinov2 import DINOv2ViT

__all__: list = ['DINOv2ViT']
