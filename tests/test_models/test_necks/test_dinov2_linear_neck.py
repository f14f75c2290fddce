"""DINOv2LinearNeck builds the official create_linear_input feature."""
import pytest
import torch

from mmvision_plus.models.backbones import DINOv2ViT
from mmvision_plus.models.necks import DINOv2LinearNeck
from tests.test_models.test_backbones.vit_weights import randomize_

TINY = dict(embed_dims=32, num_layers=4, num_heads=2)


def _official_linear_input(backbone, x, n, avgpool):
    """DINOv2's create_linear_input on get_intermediate_layers output."""
    layers = backbone.get_intermediate_layers(x, n, return_class_token=True)
    out = torch.cat([cls for _, cls in layers], dim=-1)
    if avgpool:
        out = torch.cat([out, layers[-1][0].mean(dim=1)], dim=-1)
    return out


@pytest.mark.parametrize('n,avgpool', [(1, True), (4, True), (4, False)])
def test_linear_neck_matches_official(n, avgpool):
    torch.manual_seed(0)
    backbone = DINOv2ViT(arch=TINY, img_size=56, out_type='cls_patch_mean',
                         out_indices=tuple(range(-n, 0)))
    # Random weights (LayerScale ~0.5 instead of 1e-5): the blocks' tokens
    # differ by O(1), so a neck reading the wrong block fails.
    randomize_(backbone)
    backbone.eval()
    x = torch.randn(2, 3, 56, 70)
    neck = DINOv2LinearNeck(use_avgpool=avgpool)
    with torch.no_grad():
        (feat, ) = neck(backbone(x))
        expected = _official_linear_input(backbone, x, n, avgpool)
    assert feat.shape == (2, 32 * (n + int(avgpool)))
    torch.testing.assert_close(feat, expected)


def test_linear_neck_rejects_featmaps():
    with pytest.raises(ValueError, match='cls_patch_mean'):
        DINOv2LinearNeck()((torch.randn(2, 32, 4, 4), ))
