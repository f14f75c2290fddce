"""benchmark_backbone.py: analytic FLOPs against torch's FLOP counter."""
import os.path as osp
import runpy

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mmvision_plus.models.backbones.dinov2 import DINOv2ViT

TOOL = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'tools',
                'analysis_tools', 'benchmark_backbone.py')


@pytest.mark.parametrize('arch', [
    dict(embed_dims=64, num_layers=2, num_heads=4),
    dict(embed_dims=64, num_layers=2, num_heads=4, ffn_type='swiglu',
         ffn_hidden=176)
])
def test_forward_flops_matches_counted(arch):
    tool = runpy.run_path(TOOL)
    model = DINOv2ViT(arch=arch, img_size=70).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.forward_features(torch.randn(1, 3, 70, 70))
    # The counter sees convolution and linear layers but not CPU
    # scaled_dot_product_attention: add q@k^T and attn@v (2 * 2 * n^2 * C).
    tokens = 26
    attention = arch['num_layers'] * 4 * tokens**2 * arch['embed_dims']
    assert tool['forward_flops'](arch, 70) == \
        counter.get_total_flops() + attention


def test_markdown_table():
    tool = runpy.run_path(TOOL)
    row = dict(arch='small', size=224, dtype='fp32', ours_img_s=10.,
               timm_img_s=8., ratio=1.25, gflop_per_img=12.2,
               ours_gflops=122., matmul_peak_gflops=244.,
               ours_peak_mib=70., timm_peak_mib=100.)
    table = tool['to_markdown']([row]).splitlines()
    assert len(table) == 3
    assert table[2] == ('| small | 224 | fp32 | 10.00 | 8.00 | 1.25 | 12.2 | '
                        '122 | 244 | 50% | 70 | 100 |')
