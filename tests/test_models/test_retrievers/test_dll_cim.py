"""Disordered local learning grouping and the cross-modal interaction module.
"""
import pytest
import torch
from torch import nn

from mmvision_plus.models.retrievers import (CrossModalInteraction,
                                             DisorderedLocalLearning,
                                             balanced_split_groups)


class _Recorder(nn.Module):
    """Stands in for the local layer: records its input, returns it."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x, key_padding_mask):
        self.calls.append((x.detach().clone(), key_padding_mask.clone()))
        return x


class _TorchEncoderLayer(nn.TransformerEncoderLayer):
    """The layer DLL and CIM were built on before they used the shared
    TransformerBlock: its state-dict layout is the one old checkpoints
    have."""

    def __init__(self, embed_dims, num_heads):
        super().__init__(embed_dims, num_heads, 4 * embed_dims, dropout=0.,
                         activation='gelu', batch_first=True,
                         norm_first=True)

    def forward(self, x, key_padding_mask):
        return super().forward(x, src_key_padding_mask=key_padding_mask)


def _randomize(module, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g) +
                    (1.0 if p.dim() == 1 and p.shape == (16, ) else 0.0))


def _valid(lengths, length):
    return torch.arange(length)[None, :] < torch.tensor(lengths)[:, None]


@pytest.mark.parametrize('hard_split', [False, True])
@pytest.mark.parametrize('training', [True, False])
def test_every_token_in_exactly_one_group(hard_split, training):
    groups, length = 4, 11
    lengths = [11, 7, 3, 0, 4]  # not divisible, fewer tokens than groups
    dll = DisorderedLocalLearning(8, groups, num_heads=2,
                                  hard_split=hard_split)
    dll.train(training)
    valid = _valid(lengths, length)
    group, slot = dll.group_tokens(valid)
    for b, n in enumerate(lengths):
        g, s = group[b, :n], slot[b, :n]
        assert (group[b, n:] == -1).all() and (slot[b, n:] == -1).all()
        assert ((g >= 0) & (g < groups)).all()
        pairs = set(zip(g.tolist(), s.tolist()))
        assert len(pairs) == n  # no two tokens share a place
        sizes = torch.bincount(g, minlength=groups).tolist()
        # torch.tensor_split sizes: the first n % G groups one larger
        assert sizes == [len(c) for c in torch.arange(n).tensor_split(groups)]
        for q in range(groups):  # slots of a group are 0..size-1
            assert sorted(s[g == q].tolist()) == list(range(sizes[q]))

    # the layer sees each valid token once, next to the global token
    recorder = _Recorder()
    dll.local_layer = recorder
    tokens = torch.arange(1, length + 1, dtype=torch.float)[None, :, None]
    tokens = tokens.expand(len(lengths), length, 8).clone()
    global_token = torch.full((len(lengths), 8), -1.0)
    out = dll(global_token, tokens, valid.long())
    assert out.shape == (len(lengths), groups, 8)
    seq, padding = recorder.calls[0]
    seq = seq.reshape(len(lengths), groups, -1, 8)
    padding = padding.reshape(len(lengths), groups, -1)
    assert (seq[:, :, 0] == -1).all() and not padding[:, :, 0].any()
    for b, n in enumerate(lengths):
        seen = seq[b, :, 1:, 0][~padding[b, :, 1:]]
        assert sorted(seen.long().tolist()) == list(range(1, n + 1))


def test_permutation_changes_between_iterations():
    dll = DisorderedLocalLearning(8, 4, num_heads=2).train()
    valid = torch.ones(3, 48, dtype=torch.bool)
    torch.manual_seed(0)
    first = dll.group_tokens(valid)[0]
    second = dll.group_tokens(valid)[0]
    assert not torch.equal(first, second)
    # per-sample permutations: samples of one batch differ too
    assert not torch.equal(first[0], first[1])
    # disordered: not the contiguous split
    contiguous = torch.arange(48).tensor_split(4)
    assert any(
        sorted(torch.nonzero(first[0] == q).flatten().tolist()) !=
        c.tolist() for q, c in enumerate(contiguous))


def test_eval_grouping_is_deterministic():
    dll = DisorderedLocalLearning(8, 4, num_heads=2).eval()
    valid = _valid([20, 13], 20)
    torch.manual_seed(0)
    first = dll.group_tokens(valid)
    torch.manual_seed(1)
    second = dll.group_tokens(valid)
    assert torch.equal(first[0], second[0])
    assert torch.equal(first[1], second[1])
    tokens = torch.randn(2, 20, 8)
    g = torch.randn(2, 8)
    assert torch.equal(dll(g, tokens, valid), dll(g, tokens, valid))
    # still disordered (a fixed permutation), not contiguous
    contiguous = [c.tolist() for c in torch.arange(20).tensor_split(4)]
    groups = [torch.nonzero(first[0][0] == q).flatten().tolist()
              for q in range(4)]
    assert groups != contiguous


def test_hard_split_is_contiguous():
    for training in (True, False):
        dll = DisorderedLocalLearning(8, 3, num_heads=2, hard_split=True)
        dll.train(training)
        lengths = [10, 5, 2]
        group, _ = dll.group_tokens(_valid(lengths, 10))
        for b, n in enumerate(lengths):
            expected = torch.cat([
                torch.full((len(c), ), q)
                for q, c in enumerate(torch.arange(n).tensor_split(3))
            ])
            assert torch.equal(group[b, :n], expected)


def test_balanced_split_groups_formula():
    rank = torch.arange(7)[None].expand(2, 7)
    group, slot = balanced_split_groups(rank, torch.tensor([7, 7]), 3)
    assert group[0].tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert slot[0].tolist() == [0, 1, 2, 0, 1, 0, 1]


def test_dll_gradients_and_padding_invariance():
    dll = DisorderedLocalLearning(16, 2, num_heads=4).eval()
    dll.init_weights()
    tokens = torch.randn(2, 6, 16, requires_grad=True)
    g = torch.randn(2, 16)
    valid = _valid([6, 3], 6)
    out = dll(g, tokens, valid)
    # (a plain sum of LayerNorm outputs has no gradient)
    (out * torch.randn_like(out)).sum().backward()
    assert tokens.grad[0].abs().sum() > 0
    assert tokens.grad[1, 3:].abs().sum() == 0  # padding never used
    changed = tokens.detach().clone()
    changed[1, 3:] = 100.0
    assert torch.allclose(dll(g, changed, valid), out.detach(), atol=1e-6)


def test_dll_bad_groups():
    with pytest.raises(ValueError, match='num_groups'):
        DisorderedLocalLearning(8, 0)


def test_cim_shape_and_text_padding_mask():
    cim = CrossModalInteraction(16, num_layers=2, num_heads=4).eval()
    cim.init_weights()
    visual = torch.randn(3, 9, 16)
    text = torch.randn(3, 7, 16)
    mask = _valid([7, 4, 1], 7).long()
    out = cim(visual, text, mask)
    assert out.shape == (3, 16)
    changed = text.clone()
    changed[1, 4:] = 50.0
    changed[2, 1:] = -50.0
    assert torch.allclose(cim(visual, changed, mask), out, atol=1e-5)
    # it is cross-modal: both modalities change the output (random changes:
    # a constant shift of every channel is invisible through the pre-norm
    # LayerNorms, up to rounding)
    assert (cim(visual + torch.randn_like(visual), text, mask) -
            out).abs().max() > 1e-2
    assert (cim(visual, text + torch.randn_like(text), mask) -
            out).abs().max() > 1e-2
    with pytest.raises(ValueError, match='num_layers'):
        CrossModalInteraction(16, num_layers=0)


@pytest.mark.parametrize('grad', [False, True])
def test_dll_loads_torch_encoder_layer_checkpoints(grad):
    """Same weights in the old nn.TransformerEncoderLayer layout and in the
    TransformerBlock layout give the same local features."""
    old = DisorderedLocalLearning(16, 3, num_heads=4).eval()
    old.local_layer = _TorchEncoderLayer(16, 4)
    _randomize(old)
    assert 'local_layer.self_attn.in_proj_weight' in old.state_dict()
    new = DisorderedLocalLearning(16, 3, num_heads=4).eval()
    new.load_state_dict(old.state_dict())  # strict
    assert torch.equal(new.local_layer.attn.qkv.weight,
                       old.local_layer.self_attn.in_proj_weight)
    tokens, g = torch.randn(4, 10, 16), torch.randn(4, 16)
    valid = _valid([10, 7, 2, 5], 10)
    with torch.set_grad_enabled(grad):
        expected = old(g, tokens, valid)
        out = new(g, tokens, valid)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('grad', [False, True])
def test_cim_loads_torch_encoder_layer_checkpoints(grad):
    from mmengine.runner.checkpoint import load_state_dict
    old = CrossModalInteraction(16, num_layers=2, num_heads=4).eval()
    old.layers = nn.ModuleList([_TorchEncoderLayer(16, 4) for _ in range(2)])
    _randomize(old)
    new = CrossModalInteraction(16, num_layers=2, num_heads=4).eval()
    # mmengine's loader (the Runner's load_from / resume path), strict
    load_state_dict(new, old.state_dict(), strict=True)
    visual, text = torch.randn(3, 9, 16), torch.randn(3, 7, 16)
    mask = _valid([7, 4, 1], 7).long()
    with torch.set_grad_enabled(grad):
        expected = old(visual, text, mask)
        out = new(visual, text, mask)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


def test_dll_cim_init_keeps_the_torch_layer_distributions():
    """qkv xavier-uniform (as nn.MultiheadAttention's in_proj), the other
    linears truncated normal std 0.02, biases zero."""
    torch.manual_seed(0)
    for module in (DisorderedLocalLearning(64, 2, num_heads=4),
                   CrossModalInteraction(64, num_layers=1, num_heads=4)):
        module.init_weights()
        for attn in [m.attn for m in module.modules() if hasattr(m, 'attn')]:
            bound = (6 / (64 + 3 * 64))**0.5  # xavier for (3C, C)
            weight = attn.qkv.weight
            assert weight.abs().max() <= bound
            assert weight.abs().max() > 0.9 * bound
            assert (attn.qkv.bias == 0).all()
            assert attn.proj.weight.std().item() == pytest.approx(0.02,
                                                                  rel=0.1)
