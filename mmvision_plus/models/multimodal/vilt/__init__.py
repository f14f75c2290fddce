from .vilt import ViLT

__all__ = ['ViLT']
