"""MultiheadSelfAttention against a direct softmax(QK^T / sqrt(d)) V."""
import math

import pytest
import torch

from mmvision_plus.models.layers import MultiheadSelfAttention

B, N, C, H = 2, 6, 12, 3


def _attention(seed=0, **kwargs):
    torch.manual_seed(seed)
    attn = MultiheadSelfAttention(C, H, **kwargs).double().eval()
    with torch.no_grad():
        for p in attn.parameters():
            p.normal_(0, 0.5)
    return attn


def _direct(attn, x, keep=None):
    """Per head softmax(q k^T / sqrt(d) + mask) v, then proj; keep is a
    (B, N, N) bool of allowed (query, key) pairs."""
    d = C // H
    q, k, v = (x @ attn.qkv.weight.T + attn.qkv.bias).split(C, dim=-1)
    heads = []
    for h in range(H):
        sl = slice(h * d, (h + 1) * d)
        logits = q[..., sl] @ k[..., sl].transpose(1, 2) / math.sqrt(d)
        if keep is not None:
            logits = logits.masked_fill(~keep, float('-inf'))
        heads.append(logits.softmax(-1) @ v[..., sl])
    return torch.cat(heads, -1) @ attn.proj.weight.T + attn.proj.bias


def test_matches_direct_computation_float64():
    attn = _attention()
    x = torch.randn(B, N, C, dtype=torch.float64)
    torch.testing.assert_close(attn(x), _direct(attn, x), rtol=1e-12,
                               atol=1e-12)


def test_key_padding_and_causal_masks_match_direct_computation():
    attn = _attention()
    x = torch.randn(B, N, C, dtype=torch.float64)
    padding = torch.zeros(B, N, dtype=torch.bool)
    padding[0, 4:] = True
    causal = torch.ones(N, N, dtype=torch.bool).tril()
    keep_pad = (~padding)[:, None, :].expand(B, N, N)
    torch.testing.assert_close(attn(x, key_padding_mask=padding),
                               _direct(attn, x, keep_pad))
    torch.testing.assert_close(attn(x, attn_mask=causal),
                               _direct(attn, x, causal.expand(B, N, N)))
    both = causal & keep_pad
    torch.testing.assert_close(
        attn(x, attn_mask=causal, key_padding_mask=padding),
        _direct(attn, x, both))
    # an additive float mask combines with the padding mask the same way
    additive = torch.zeros(N, N, dtype=torch.float64).masked_fill(
        ~causal, float('-inf'))
    torch.testing.assert_close(
        attn(x, attn_mask=additive, key_padding_mask=padding),
        _direct(attn, x, both))


def test_padded_keys_change_nothing_for_real_tokens():
    attn = _attention()
    x = torch.randn(B, N, C, dtype=torch.float64)
    padding = torch.zeros(B, N, dtype=torch.bool)
    padding[1, 3:] = True
    out = attn(x, key_padding_mask=padding)
    changed = x.clone()
    changed[1, 3:] = 1e3 * torch.randn(N - 3, C, dtype=torch.float64)
    again = attn(changed, key_padding_mask=padding)
    torch.testing.assert_close(again[1, :3], out[1, :3])
    torch.testing.assert_close(again[0], out[0])
    # without the mask the padded values do reach the real tokens
    assert (attn(changed)[1, :3] - attn(x)[1, :3]).abs().max() > 1e-3


def test_causal_mask_hides_later_tokens():
    attn = _attention()
    causal = torch.ones(N, N, dtype=torch.bool).tril()
    x = torch.randn(B, N, C, dtype=torch.float64)
    changed = x.clone()
    changed[:, 3:] += torch.randn(B, N - 3, C, dtype=torch.float64)
    out, again = attn(x, attn_mask=causal), attn(changed, attn_mask=causal)
    torch.testing.assert_close(again[:, :3], out[:, :3])
    assert (again[:, 3:] - out[:, 3:]).abs().max() > 1e-3


def test_attention_dropout_only_in_training():
    attn = _attention(attn_drop=0.5)
    x = torch.randn(B, N, C, dtype=torch.float64)
    torch.testing.assert_close(attn(x), _direct(attn, x))
    attn.train()
    assert (attn(x) - _direct(attn, x)).abs().max() > 1e-3


def test_no_bias_and_bad_arguments():
    attn = MultiheadSelfAttention(C, H, qkv_bias=False, proj_bias=False)
    assert attn.qkv.bias is None and attn.proj.bias is None
    assert attn(torch.randn(B, N, C)).shape == (B, N, C)
    with pytest.raises(ValueError, match='not divisible by num_heads'):
        MultiheadSelfAttention(10, 3)
    with pytest.raises(ValueError, match=r'key_padding_mask must be a bool '
                       r'tensor of shape \(B, N\) = \(2, 6\)'):
        attn(torch.randn(B, N, C), key_padding_mask=torch.zeros(B, N))
    with pytest.raises(ValueError, match='key_padding_mask'):
        attn(torch.randn(B, N, C),
             key_padding_mask=torch.zeros(B, N + 1, dtype=torch.bool))
