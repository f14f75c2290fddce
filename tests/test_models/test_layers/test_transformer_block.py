"""TransformerBlock: formula, names, drop path, masks and the layout of
nn.TransformerEncoderLayer."""
import pytest
import torch
from mmcv.cnn.bricks.drop import DropPath
from torch import nn

from mmvision_plus.models.layers import TransformerBlock

B, N, C, H = 3, 7, 16, 4


def _random_(module, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module


def test_official_parameter_names():
    block = TransformerBlock(C, H, layer_scale_init=1e-5,
                             norm_cfg=dict(type='LN', eps=1e-6))
    assert list(block.state_dict()) == [
        'norm1.weight', 'norm1.bias', 'attn.qkv.weight', 'attn.qkv.bias',
        'attn.proj.weight', 'attn.proj.bias', 'ls1.gamma', 'norm2.weight',
        'norm2.bias', 'mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight',
        'mlp.fc2.bias', 'ls2.gamma'
    ]
    assert block.norm1.eps == 1e-6 and block.mlp.fc1.out_features == 4 * C
    swiglu = TransformerBlock(C, H, ffn_type='swiglu', ffn_hidden_dims=24)
    assert {k for k in swiglu.state_dict() if k.startswith('mlp')} == {
        'mlp.w12.weight', 'mlp.w12.bias', 'mlp.w3.weight', 'mlp.w3.bias'}
    assert not any('ls' in k for k in swiglu.state_dict())  # no LayerScale
    with pytest.raises(ValueError, match="ffn_type must be 'mlp' or"):
        TransformerBlock(C, H, ffn_type='moe')


def test_pre_norm_formula_with_layer_scale():
    block = _random_(TransformerBlock(C, H, layer_scale_init=1.)).double()
    block.eval()
    x = torch.randn(B, N, C, dtype=torch.float64)
    y = x + block.attn(block.norm1(x)) * block.ls1.gamma
    y = y + block.mlp(block.norm2(y)) * block.ls2.gamma
    torch.testing.assert_close(block(x), y)


def _torch_layer(dropout=0.):
    return nn.TransformerEncoderLayer(
        C, H, 4 * C, dropout=dropout, activation='gelu', batch_first=True,
        norm_first=True)


@pytest.mark.parametrize('grad', [False, True])
def test_equals_torch_encoder_layer_and_loads_its_state_dict(grad):
    torch_layer = _random_(_torch_layer()).double().eval()
    block = TransformerBlock(C, H).double().eval()
    block.load_state_dict(torch_layer.state_dict())  # strict, renamed keys
    x = torch.randn(B, N, C, dtype=torch.float64)
    padding = torch.zeros(B, N, dtype=torch.bool)
    padding[1, 5:] = True
    padding[2, 2:] = True
    with torch.set_grad_enabled(grad):
        expected = torch_layer(x, src_key_padding_mask=padding)
        out = block(x, key_padding_mask=padding)
    real = ~padding
    torch.testing.assert_close(out[real], expected[real], rtol=1e-10,
                               atol=1e-10)
    # float32 too (PyTorch's fused inference path without gradients)
    torch_layer.float()
    block.float()
    with torch.set_grad_enabled(grad):
        expected = torch_layer(x.float(), src_key_padding_mask=padding)
        out = block(x.float(), key_padding_mask=padding)
    torch.testing.assert_close(out[real], expected[real], rtol=1e-5,
                               atol=1e-5)


def test_padded_tokens_change_nothing_for_real_tokens():
    block = _random_(TransformerBlock(C, H, layer_scale_init=0.5)).eval()
    x = torch.randn(B, N, C)
    padding = torch.zeros(B, N, dtype=torch.bool)
    padding[0, 4:] = True
    out = block(x, key_padding_mask=padding)
    changed = x.clone()
    changed[0, 4:] = 100 * torch.randn(N - 4, C)
    again = block(changed, key_padding_mask=padding)
    torch.testing.assert_close(again[0, :4], out[0, :4])
    torch.testing.assert_close(again[1:], out[1:])


def test_causal_attn_mask_reaches_the_attention():
    block = _random_(TransformerBlock(C, H)).eval()
    causal = torch.ones(N, N, dtype=torch.bool).tril()
    x = torch.randn(B, N, C)
    changed = x.clone()
    changed[:, -1] += 1 + torch.randn(B, C)
    out, again = block(x, causal), block(changed, causal)
    torch.testing.assert_close(again[:, :-1], out[:, :-1])
    assert (block(changed)[:, :-1] - block(x)[:, :-1]).abs().max() > 1e-3


def test_drop_path_identity_in_eval_and_at_rate_zero():
    block = _random_(TransformerBlock(C, H, drop_path=0.5))
    plain = TransformerBlock(C, H)
    plain.load_state_dict(block.state_dict())
    assert isinstance(block.drop_path, DropPath)
    assert isinstance(plain.drop_path, nn.Identity)
    x = torch.randn(64, N, C)
    expected = plain.train()(x)  # rate 0: identity in training too
    torch.testing.assert_close(block.eval()(x), expected)
    # training: per sample, each branch is dropped or scaled by 1 / keep
    torch.manual_seed(0)
    out = block.train()(x)
    assert (out - expected).flatten(1).abs().amax(1).gt(1e-4).sum() > 10


def test_drop_path_drops_whole_samples():
    drop = DropPath(0.5).train()
    torch.manual_seed(0)
    out = drop(torch.ones(1000, 3, 4))
    per_sample = out.flatten(1)
    assert ((per_sample == 0).all(1) | (per_sample == 2).all(1)).all()
    assert 400 < (per_sample == 0).all(1).sum() < 600


def test_dropout_only_in_training():
    block = _random_(TransformerBlock(C, H, attn_drop=0.2, drop=0.2))
    x = torch.randn(B, N, C)
    out = block.eval()(x)
    torch.testing.assert_close(block(x), out)
    assert (block.train()(x) - out).abs().max() > 1e-3
