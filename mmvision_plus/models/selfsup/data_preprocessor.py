"""Data preprocessor for multi-view batches that carry iBOT masks."""
from mmpretrain.models.utils import SelfSupDataPreprocessor

from mmvision_plus.registry import MODELS


@MODELS.register_module()
class DINOv2DataPreprocessor(SelfSupDataPreprocessor):
    """mmpretrain's ``SelfSupDataPreprocessor`` that passes ``masks`` on.

    Every view of the list (``dinov2_collate`` output: global crops, then
    local crops) is normalised as in mmpretrain; the ``(2B, N)`` bool
    ``masks`` the collate adds are moved to the device and returned next to
    ``inputs`` and ``data_samples`` (mmpretrain's preprocessor accepts only
    those two keys).
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        """Returns ``dict(inputs=list of (B, C, H, W), data_samples,
        masks=(2B, N) bool or None)``."""
        data = dict(data)
        masks = data.pop('masks', None)
        out = super().forward(data, training)
        out['masks'] = None if masks is None else masks.to(self.device)
        return out
