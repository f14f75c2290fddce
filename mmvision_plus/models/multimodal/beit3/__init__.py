from .beit3 import BEiT3

__all__ = ['BEiT3']
