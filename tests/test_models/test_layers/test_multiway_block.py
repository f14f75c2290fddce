"""MultiwayBlock: shared attention, expert routing by modality (checked
with forward hooks on the experts), layer scale, VLMo's parameter names."""
import pytest
import torch
import torch.nn.functional as F

from mmvision_plus.models.layers import MultiwayBlock


def record_inputs(block):
    """Forward hooks on every expert MLP: the inputs each one saw."""
    seen = {}
    for name in ('imag', 'text', 'vl'):
        mlp = getattr(block, f'mlp_{name}', None)
        if mlp is not None:
            mlp.register_forward_hook(
                lambda m, args, out, name=name: seen.setdefault(
                    name, []).append(args[0].detach().clone()))
    return seen


def block_and_input(with_vl_expert=False, seed=0):
    torch.manual_seed(seed)
    block = MultiwayBlock(16, 2, mlp_ratio=2, with_vl_expert=with_vl_expert,
                          layer_scale_init=0.5).eval()
    return block, torch.randn(2, 7, 16)


def attended(block, x):
    return x + block.gamma_1 * block.attn(block.norm1(x))


def test_parameter_names_are_vlmo_s():
    block = MultiwayBlock(16, 2, with_vl_expert=True)
    names = {n.split('.')[0] for n, _ in block.named_parameters()}
    assert names == {'norm1', 'attn', 'gamma_1', 'gamma_2', 'norm2_imag',
                     'mlp_imag', 'norm2_text', 'mlp_text', 'norm2_vl',
                     'mlp_vl'}
    assert set(dict(block.attn.named_parameters())) == {
        'qkv.weight', 'qkv.bias', 'proj.weight', 'proj.bias'}
    assert not hasattr(MultiwayBlock(16, 2), 'mlp_vl')
    assert MultiwayBlock(16, 2, layer_scale_init=None).gamma_1 is None


@pytest.mark.parametrize('modality,expert', [('image', 'imag'),
                                             ('text', 'text')])
def test_unimodal_input_uses_only_its_expert(modality, expert):
    block, x = block_and_input(with_vl_expert=True)
    seen = record_inputs(block)
    out = block(x, modality)
    assert set(seen) == {expert}
    mid = attended(block, x)
    mlp, norm = getattr(block, f'mlp_{expert}'), getattr(block,
                                                         f'norm2_{expert}')
    torch.testing.assert_close(out, mid + block.gamma_2 * mlp(norm(mid)))


def test_fused_input_routes_text_tokens_to_the_text_expert_only():
    block, x = block_and_input()
    seen = record_inputs(block)
    out = block(x, 'vl', num_text=3)
    mid = attended(block, x)
    # the V-FFN saw exactly the image tokens (after its norm), the L-FFN
    # exactly the text tokens: no text token passes the V-FFN
    torch.testing.assert_close(seen['imag'][0], block.norm2_imag(mid[:, 3:]))
    torch.testing.assert_close(seen['text'][0], block.norm2_text(mid[:, :3]))
    assert seen['imag'][0].shape[1] == 4 and seen['text'][0].shape[1] == 3
    torch.testing.assert_close(out[:, 3:], mid[:, 3:] + block.gamma_2 *
                               block.mlp_imag(block.norm2_imag(mid[:, 3:])))


def test_vl_expert_takes_every_token_of_a_fused_input():
    block, x = block_and_input(with_vl_expert=True)
    seen = record_inputs(block)
    block(x, 'vl')
    assert set(seen) == {'vl'} and seen['vl'][0].shape == x.shape


def test_attention_is_shared_across_modalities():
    """The fused pass attends across both modalities: a text token's output
    depends on the image tokens."""
    block, x = block_and_input()
    y = x.clone()
    y[:, 3:] += torch.randn(2, 4, 16)
    assert not torch.allclose(block(x, 'vl', 3)[:, :3],
                              block(y, 'vl', 3)[:, :3])


def test_padding_keys_are_ignored():
    block, x = block_and_input()
    padding = torch.zeros(2, 7, dtype=torch.bool)
    padding[:, 5:] = True
    y = x.clone()
    y[:, 5:] = 100.0
    torch.testing.assert_close(
        block(x, 'text', key_padding_mask=padding)[:, :5],
        block(y, 'text', key_padding_mask=padding)[:, :5])


def test_key_bias_does_not_change_the_output():
    """The VLMo converter writes a zero key bias: any key bias is cancelled
    by the softmax."""
    block, x = block_and_input()
    out = block(x, 'image')
    with torch.no_grad():
        block.attn.qkv.bias[16:32] = torch.randn(16)
    torch.testing.assert_close(block(x, 'image'), out)


def test_bad_routing_is_named():
    block, x = block_and_input()
    with pytest.raises(ValueError, match='modality must be one of'):
        block(x, 'audio')
    with pytest.raises(ValueError, match='needs 0 < num_text'):
        block(x, 'vl')


def test_layer_scale_scales_both_branches():
    block, x = block_and_input()
    with torch.no_grad():
        block.gamma_1.zero_()
        block.gamma_2.zero_()
    torch.testing.assert_close(block(x, 'image'), x)
    assert F.mse_loss(block(x, 'text'), x) == 0
