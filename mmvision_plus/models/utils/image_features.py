"""One feature vector per image from a frozen model.

The features that the frozen-feature evaluations and the data curation read
(k-NN, retrieval, deduplication):

* ``'cls'``: the backbone's ``x_norm_clstoken`` (the official DINOv2
  k-NN and retrieval feature);
* ``'cls_patch_mean'``: ``[x_norm_clstoken ; mean(x_norm_patchtokens)]``
  (the official linear-probe feature);
* ``'extract_feat'``: the last output of the model's ``extract_feat``
  (any mmpretrain classifier: its neck's output), flattened.
"""
import torch
from torch import Tensor, nn

IMAGE_FEATURES = ('cls', 'cls_patch_mean', 'extract_feat')


def image_features(model: nn.Module, inputs: Tensor, feature: str) -> Tensor:
    """Per-image features of a batch, not normalised.

    Args:
        model: A ``DINOv2ViT`` (or any backbone with ``forward_features``),
            a model whose ``backbone`` has one, or for ``'extract_feat'``
            a model with ``extract_feat``.
        inputs: (B, 3, H, W) normalised images.
        feature: One of :data:`IMAGE_FEATURES`.

    Returns:
        Tensor: (B, D) features: D = C for ``'cls'``, 2C for
        ``'cls_patch_mean'``.
    """
    if feature == 'extract_feat':
        if not hasattr(model, 'extract_feat'):
            raise TypeError(f"feature 'extract_feat' needs a model with "
                            f'extract_feat(); {type(model).__name__} has '
                            "none (use 'cls' for a bare backbone)")
        out = model.extract_feat(inputs)
        out = out[-1] if isinstance(out, (tuple, list)) else out
        return out.flatten(1)
    if feature not in IMAGE_FEATURES:
        raise ValueError(f'feature must be one of {IMAGE_FEATURES}, got '
                         f'{feature!r}')
    backbone = getattr(model, 'backbone', model)
    if not hasattr(backbone, 'forward_features'):
        raise TypeError(f'feature {feature!r} needs a backbone with '
                        'forward_features() (DINOv2ViT); '
                        f'{type(backbone).__name__} has none: use '
                        "'extract_feat'")
    out = backbone.forward_features(inputs)
    cls = out['x_norm_clstoken']
    if feature == 'cls':
        return cls
    return torch.cat([cls, out['x_norm_patchtokens'].mean(1)], dim=1)
