"""DINO / iBOT projection head: MLP, L2 normalisation, prototype layer."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn.utils.parametrizations import weight_norm

from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range


@MODELS.register_module()
class DINOv2ProjectionHead(BaseModule):
    """Projection head of DINO / iBOT / DINOv2 (official ``DINOHead``).

    ``num_layers`` linear layers with GELU in between (in -> hidden -> ... ->
    bottleneck), the output L2-normalised, then a bias-free weight-normalised
    linear layer to the ``num_prototypes`` prototype scores (``last_layer``,
    its norm ``g`` initialised to 1 and trained). MLP weights are
    truncated-normal (std 0.02), biases 0, as the official head.

    The weight norm is ``torch.nn.utils.parametrizations.weight_norm``, so
    the last layer's parameters are ``last_layer.parametrizations.weight.
    original0`` (g, (K, 1)) and ``original1`` (v, (K, bottleneck)) instead
    of the official ``weight_g`` / ``weight_v`` (the deprecated
    ``torch.nn.utils.weight_norm`` cannot be deep-copied, which the EMA
    teacher needs).

    Args:
        in_channels: Input width (the backbone's ``embed_dims``).
        num_prototypes: Number of prototypes K. Defaults to 65536.
        hidden_channels: Hidden width. Defaults to 2048.
        bottleneck_channels: Width before the prototypes. Defaults to 256.
        num_layers: Linear layers of the MLP (>= 1). Defaults to 3.
        init_cfg: Initialisation config (None: the official init).
    """

    def __init__(self,
                 in_channels: int,
                 num_prototypes: int = 65536,
                 hidden_channels: int = 2048,
                 bottleneck_channels: int = 256,
                 num_layers: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_range(num_layers, 'DINOv2ProjectionHead', 'num_layers', 1)
        self.in_channels = in_channels
        self.num_prototypes = num_prototypes
        widths = [in_channels] + [hidden_channels] * (num_layers - 1) + \
            [bottleneck_channels]
        layers = []
        for i, (w_in, w_out) in enumerate(zip(widths[:-1], widths[1:])):
            if i:
                layers.append(nn.GELU())
            layers.append(nn.Linear(w_in, w_out))
        self.mlp = nn.Sequential(*layers)
        self.last_layer = weight_norm(
            nn.Linear(bottleneck_channels, num_prototypes, bias=False))
        self._official_init()

    @torch.no_grad()
    def _official_init(self) -> None:
        for layer in self.mlp:
            if isinstance(layer, nn.Linear):
                nn.init.trunc_normal_(layer.weight, std=0.02)
                nn.init.zeros_(layer.bias)
        self.last_layer.parametrizations.weight.original0.fill_(1.0)

    def init_weights(self) -> None:
        """The official init unless an ``init_cfg`` is given."""
        if self.init_cfg:
            super().init_weights()
        else:
            self._official_init()

    def forward(self, x: Tensor) -> Tensor:
        """(..., in_channels) -> (..., num_prototypes) prototype scores."""
        x = self.mlp(x)
        eps = 1e-6 if x.dtype == torch.float16 else 1e-12
        return self.last_layer(F.normalize(x, dim=-1, p=2, eps=eps))
