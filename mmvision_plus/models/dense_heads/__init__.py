from .glee_head import GLEEHead

__all__: list = ['GLEEHead']
