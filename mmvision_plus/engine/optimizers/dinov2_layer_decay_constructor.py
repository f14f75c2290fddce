"""Layer-wise lr decay and patch-embedding lr multiplier for DINOv2ViT."""
from functools import partial
from typing import Callable, List, Optional, Tuple

from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor
from torch import nn

from mmvision_plus.registry import OPTIM_WRAPPER_CONSTRUCTORS

EMBEDDING_NAMES = ('cls_token', 'pos_embed', 'mask_token', 'register_tokens',
                   'patch_embed')


def dinov2_vit_layer_depth(param_name: str, num_layers: int,
                           prefix: str = 'backbone.') -> Tuple[int, int]:
    """Layer depth of a parameter for the official DINOv2 layer decay.

    Embeddings and tokens (``cls_token``, ``pos_embed``, ``mask_token``,
    ``register_tokens``, ``patch_embed.*``) are depth 0, ``blocks.i.*`` depth
    ``i + 1``, everything else (the final ``norm``, parameters outside the
    backbone such as the heads) depth ``num_layers + 1``. With mmpretrain's
    ``scale = rate ** (max_depth - depth - 1)`` and ``max_depth =
    num_layers + 2`` this is the official ``get_vit_lr_decay_rate``.

    Args:
        param_name: Full parameter name in the model.
        num_layers: Number of backbone blocks.
        prefix: Name prefix of the backbone's parameters.

    Returns:
        tuple: (depth, num_layers + 2).
    """
    max_depth = num_layers + 2
    if not param_name.startswith(prefix):
        return max_depth - 1, max_depth
    name = param_name[len(prefix):]
    if name.split('.')[0] in EMBEDDING_NAMES:
        return 0, max_depth
    if name.startswith('blocks.'):
        return int(name.split('.')[1]) + 1, max_depth
    return max_depth - 1, max_depth


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DINOv2LayerDecayOptimWrapperConstructor(
        LearningRateDecayOptimWrapperConstructor):
    """mmpretrain's layer-decay constructor for models built on DINOv2ViT.

    mmpretrain's constructor asks the model for ``get_layer_depth``, whose
    mmpretrain implementations know mmpretrain's ViT names (``layers.i``);
    here the depth comes from :func:`dinov2_vit_layer_depth` (official names,
    ``blocks.i``, plus ``mask_token`` / ``register_tokens``), and the
    official patch-embedding lr multiplier is added (mmpretrain's constructor
    ignores ``lr_mult``). Every parameter gets its own group.

    ``paramwise_cfg`` keys on top of mmpretrain's (``layer_decay_rate``,
    ``flat_decay_mult``, ``custom_keys`` ...):

    * ``backbone_prefix`` (str): the backbone's attribute path plus a dot.
      Defaults to ``'backbone.'``.
    * ``patch_embed_lr_mult`` (float): extra lr factor of the
      ``patch_embed`` parameters (DINOv2: 0.2). Defaults to 1.0.

    The official weight-decay exemptions (biases, norms, LayerScale
    ``gamma``) are exactly the one-dimensional parameters:
    ``flat_decay_mult=0.0``.
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   get_layer_depth: Optional[Callable] = None,
                   **kwargs) -> None:
        """Add every parameter as its own group (see the class doc)."""
        if prefix == '' and get_layer_depth is None:
            backbone_prefix = self.paramwise_cfg.get('backbone_prefix',
                                                     'backbone.')
            try:
                backbone = module.get_submodule(backbone_prefix.rstrip('.'))
                num_layers = len(backbone.blocks)
            except AttributeError:
                raise ValueError(
                    'DINOv2LayerDecayOptimWrapperConstructor: '
                    f'{type(module).__name__} has no backbone with blocks at '
                    f"paramwise_cfg backbone_prefix={backbone_prefix!r}"
                ) from None
            get_layer_depth = partial(dinov2_vit_layer_depth,
                                      num_layers=num_layers,
                                      prefix=backbone_prefix)
        super().add_params(params, module, prefix, get_layer_depth, **kwargs)
        if prefix == '':
            mult = self.paramwise_cfg.get('patch_embed_lr_mult', 1.0)
            for group in params:
                if '.patch_embed.' in f".{group['param_name']}":
                    group['lr'] *= mult
                    group['lr_scale'] *= mult
