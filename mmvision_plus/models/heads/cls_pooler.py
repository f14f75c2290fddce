"""BERT's pooler: ``tanh(dense(x[:, 0]))`` (ViLT, VLMo)."""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class ClsPooler(BaseModule):
    """Pool a token sequence by its first ([CLS]) token.

    The keys are ViLT's and VLMo's ``pooler.dense``; BEiT-3's fusion heads
    put a LayerNorm first (``with_norm=True``, key ``pooler.norm``).

    Args:
        in_channels (int): Token width C.
        with_norm (bool): LayerNorm before the dense layer (BEiT-3).
            Defaults to False.
        norm_eps (float): Its epsilon. Defaults to 1e-5.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 with_norm: bool = False,
                 norm_eps: float = 1e-5,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.norm = nn.LayerNorm(in_channels, eps=norm_eps) if with_norm \
            else None
        self.dense = nn.Linear(in_channels, in_channels)

    def forward(self, tokens: Tensor) -> Tensor:
        """Pooled (B, C) of tokens (B, N, C)."""
        cls = tokens[:, 0]
        if self.norm is not None:
            cls = self.norm(cls)
        return self.dense(cls).tanh()
