"""Image-text matching head: 2-way classification of a fused [CLS] state."""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class ImageTextMatchingHead(BaseModule):
    """A linear layer on the fusion encoder's [CLS] state, logits (0 = not
    matched, 1 = matched), and the ITM loss.

    ALBEF's and BLIP's ``itm_head`` is this single linear layer (key
    ``fc`` here). mmpretrain's ``ITMHead`` reads its targets from data
    samples' ``is_matched`` fields (BLIP appends fake samples for the
    negatives); this head takes the labels directly.

    Args:
        in_channels (int): Width of the fused state.
        loss (dict): Loss config. Defaults to ``dict(type='ITMLoss')``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fc = nn.Linear(in_channels, 2)
        self.loss_module = MODELS.build(loss or dict(type='ITMLoss'))

    def forward(self, fused_cls: Tensor) -> Tensor:
        """ITM logits (N, 2) of fused [CLS] states (N, C)."""
        return self.fc(fused_cls)

    def loss(self, fused_cls: Tensor, labels: Tensor) -> Tensor:
        """ITM loss of N pairs, ``labels`` 1 for matched (N,)."""
        return self.loss_module(self(fused_cls), labels)
