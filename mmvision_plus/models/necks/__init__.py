from .dinov2_linear_neck import DINOv2LinearNeck
from .simple_fpn import SimpleFPN

__all__: list = ['DINOv2LinearNeck', 'SimpleFPN']
