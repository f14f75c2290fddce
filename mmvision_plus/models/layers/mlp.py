"""Two-layer feed-forward network of a transformer block."""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from torch import Tensor


class Mlp(BaseModule):
    """``fc2(drop(act(fc1(x))))`` followed by dropout.

    Parameter names ``fc1`` / ``fc2`` follow the official DINOv2 and timm
    models (mmcv's ``FFN`` nests them as ``layers.0.0`` / ``layers.1``).
    The dropout places are those of timm's ``Mlp`` and of
    ``nn.TransformerEncoderLayer`` (after the activation and after ``fc2``).

    Args:
        embed_dims: Input and output width C.
        hidden_dims: Hidden width.
        act_cfg: Activation config for mmcv's ``build_activation_layer``.
            Defaults to exact GELU.
        bias: Whether ``fc1`` and ``fc2`` have biases. Defaults to True.
        drop: Dropout probability after the activation and after ``fc2``.
            Defaults to 0.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 hidden_dims: int,
                 act_cfg: Optional[dict] = None,
                 bias: bool = True,
                 drop: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fc1 = nn.Linear(embed_dims, hidden_dims, bias=bias)
        self.act = build_activation_layer(act_cfg or dict(type='GELU'))
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_dims, embed_dims, bias=bias)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        """Transform (..., C) -> (..., C)."""
        x = self.drop1(self.act(self.fc1(x)))
        return self.drop2(self.fc2(x))
