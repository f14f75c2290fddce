from .albef import ALBEF

__all__ = ['ALBEF']
