from .cpu_amp_optim_wrapper import CPUAutocastOptimWrapper

__all__ = ['CPUAutocastOptimWrapper']
from .dinov2_layer_decay_constructor import (
    DINOv2LayerDecayOptimWrapperConstructor, dinov2_vit_layer_depth)
__all__ += ['DINOv2LayerDecayOptimWrapperConstructor',
            'dinov2_vit_layer_depth']
from .trainable_params_constructor import \
    TrainableParamsOptimWrapperConstructor
__all__ += ['TrainableParamsOptimWrapperConstructor']
