"""Mlp, SwiGLUFFN, LayerScale and PatchEmbed against direct computations."""
import torch
import torch.nn.functional as F

from mmvision_plus.models.layers import (LayerScale, Mlp, PatchEmbed,
                                         SwiGLUFFN, swiglu_hidden_dims)


def _random_(module):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.5)
    return module.double().eval()


def test_mlp_formula_and_activation_config():
    mlp = _random_(Mlp(8, 20))
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    hidden = F.gelu(x @ mlp.fc1.weight.T + mlp.fc1.bias)
    torch.testing.assert_close(mlp(x),
                               hidden @ mlp.fc2.weight.T + mlp.fc2.bias)
    relu = _random_(Mlp(8, 20, act_cfg=dict(type='ReLU'), bias=False))
    assert relu.fc1.bias is None and relu.fc2.bias is None
    torch.testing.assert_close(
        relu(x), (x @ relu.fc1.weight.T).relu() @ relu.fc2.weight.T)


def test_mlp_dropout_only_in_training():
    mlp = _random_(Mlp(8, 20, drop=0.5))
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    out = mlp(x)
    torch.testing.assert_close(mlp(x), out)
    assert (mlp.train()(x) - out).abs().max() > 1e-3


def test_swiglu_formula():
    ffn = _random_(SwiGLUFFN(8, 12))
    assert ffn.w12.weight.shape == (24, 8) and ffn.w3.weight.shape == (8, 12)
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    w1, w2 = ffn.w12.weight[:12], ffn.w12.weight[12:]
    b1, b2 = ffn.w12.bias[:12], ffn.w12.bias[12:]
    gate = x @ w1.T + b1
    expected = (gate * torch.sigmoid(gate) * (x @ w2.T + b2)) @ ffn.w3.weight.T
    torch.testing.assert_close(ffn(x), expected + ffn.w3.bias)


def test_swiglu_hidden_dims_official_rounding():
    assert swiglu_hidden_dims(1536) == 4096  # ViT-g
    assert swiglu_hidden_dims(64) == 176


def test_layer_scale():
    ls = LayerScale(4, 0.5)
    assert torch.equal(ls.gamma, torch.full((4, ), 0.5))
    with torch.no_grad():
        ls.gamma.copy_(torch.tensor([1., 2., 3., 4.]))
    x = torch.ones(2, 3, 4)
    assert torch.equal(ls(x), torch.tensor([1., 2., 3., 4.]).expand(2, 3, 4))


def test_patch_embed_tokens_in_row_major_patch_order():
    embed = _random_(PatchEmbed(3, 8, 4))
    x = torch.randn(2, 3, 8, 12, dtype=torch.float64)
    tokens = embed(x)
    assert tokens.shape == (2, 2 * 3, 8)
    # patch (row 1, column 2) is token 1 * 3 + 2
    patch = x[:, :, 4:8, 8:12].flatten(1)
    expected = patch @ embed.proj.weight.flatten(1).T + embed.proj.bias
    torch.testing.assert_close(tokens[:, 5], expected)
    assert PatchEmbed(3, 8, 4, bias=False).proj.bias is None
