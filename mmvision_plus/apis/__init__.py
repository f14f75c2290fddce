from .glee_inferencer import GLEEInferencer

__all__: list = ['GLEEInferencer']
