from .coca import CoCa

__all__ = ['CoCa']
