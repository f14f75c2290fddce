"""VLMo: expert routing per pass (forward hooks), dual-encoder and fusion
outputs, stage freezing (parameters and optimizer), the relative position
table, MIM / MLM / ITC / ITM losses and the official checkpoint layout."""
import copy

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from mmvision_plus.models.multimodal.vlmo.convert import vlmo_to_mmvp
from mmvision_plus.models.multimodal.vlmo.relative_position import (
    VLMoRelativePosition, image_relative_index, text_relative_index)
from tests.test_models.test_multimodal.vl2_fixtures import (
    masked_batch, record_calls, unimodal_experts, visual_tokenizer, vlmo_cfg,
    write_codebook)
from tests.test_models.test_multimodal.vl_fixtures import build

IMAGE_PATH = [
    'transformer.patch_embed.*', 'transformer.cls_token',
    'transformer.blocks.*.norm1.*', 'transformer.blocks.*.attn.*',
    'transformer.blocks.*.gamma_?', 'transformer.blocks.*.norm2_imag.*',
    'transformer.blocks.*.mlp_imag.*', 'transformer.norm.*',
    'transformer.blocks.*.norm2_vl.*', 'transformer.blocks.*.mlp_vl.*'
]
OPTIM = dict(
    optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.05),
    constructor='TrainableParamsOptimWrapperConstructor',
    paramwise_cfg=dict(custom_keys={
        'token_type_embeddings': dict(decay_mult=0.),
        'relative_position_bias_table': dict(decay_mult=0.)
    }))


@pytest.fixture
def codebook(tmp_path):
    return write_codebook(str(tmp_path / 'codebook.pth'))


def expert_calls(model):
    """Forward hooks: (block, expert, tokens seen) of every expert call."""
    experts = ((i, name, getattr(block, f'mlp_{name}', None))
               for i, block in enumerate(model.transformer.blocks)
               for name in ('imag', 'text', 'vl'))
    return record_calls((i, name, mlp) for i, name, mlp in experts
                        if mlp is not None)


def test_passes_route_tokens_to_their_experts(test_batch):
    model = build(vlmo_cfg()).eval()
    images, samples = test_batch
    calls = expert_calls(model)
    ids, mask = model.tokenize(model.texts_of(samples))
    with torch.no_grad():
        assert unimodal_experts(model, calls, images, ids,
                                mask) == ({'imag'}, {'text'})
        feats = model.extract_feat(images, samples)
        calls.clear()
        model.match_logits(feats['image_embeds'][[0, 0]], ids[:2], mask[:2])
    length = int(mask[:2].sum(1).max())
    # below vl_ffn_start: text tokens only through the L-FFN, the 5 image
    # tokens only through the V-FFN; above: every token through the VL-FFN
    assert sorted(calls) == sorted([(0, 'text', length), (0, 'imag', 5),
                                    (1, 'text', length), (1, 'imag', 5),
                                    (2, 'vl', length + 5)])


def test_outputs_deterministic_in_eval(test_batch):
    model = build(vlmo_cfg()).eval()
    images, samples = test_batch
    with torch.no_grad():
        first = model.extract_feat(images, samples)
        second = model.extract_feat(images, samples)
        ids, mask = first['text_ids'], first['text_mask']
        fused = [model.match_logits(first['image_embeds'][[0, 1, 1]],
                                    ids[:3], mask[:3]) for _ in range(2)]
    for key in first:
        assert torch.equal(first[key], second[key]), key
    assert torch.equal(*fused)
    assert torch.allclose(first['image_feat'].norm(dim=1), torch.ones(2))


def test_pretraining_losses_and_itm_negatives(train_batch):
    model = build(vlmo_cfg(mlm_prob=0.5))
    images, samples = train_batch
    losses = model.loss(images, samples)
    assert {'loss_itc', 'loss_itm', 'loss_mlm'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    # the VL-FFN ITC heads and the VL-FFN itself train in pretraining
    for param in (model.itc_vl_image_proj.fc.weight,
                  model.transformer.blocks[2].mlp_vl.fc1.weight):
        assert param.grad is not None and param.grad.abs().sum() > 0
    # retrieval fine-tuning: ITC only, no VL heads
    finetune = build(vlmo_cfg(tasks=('itc', ), vl_itc=False))
    assert set(finetune.loss(images, samples)) == {'loss_itc', 'logit_scale'}
    assert not hasattr(finetune, 'itc_vl_image_proj')


def test_mim_stage_predicts_visual_tokens_of_masked_patches(codebook):
    model = build(vlmo_cfg(tasks=('mim', ),
                           visual_tokenizer=visual_tokenizer(codebook)))
    images, samples = masked_batch()
    captured = {}
    model.mim_head.register_forward_hook(
        lambda m, args, out: captured.update(logits=out))
    loss = model.loss(images, samples)['loss_mim']
    assert torch.isfinite(loss)
    targets = model.visual_tokenizer(images)
    masks = torch.stack([s.mask.reshape(-1).bool() for s in samples])
    expected = torch.nn.functional.cross_entropy(
        captured['logits'][masks], targets[masks])
    torch.testing.assert_close(loss, expected)
    with pytest.raises(KeyError, match='BEiTMaskGenerator'):
        model.loss(images, [masked_batch()[1][0]] + [
            type(samples[0])(text='a', image_id=1)] * 3)


def build_stage(tasks, frozen, codebook, seed=0):
    model = build(vlmo_cfg(tasks=tasks, frozen=frozen,
                           visual_tokenizer=visual_tokenizer(codebook)),
                  seed=seed)
    return model, build_optim_wrapper(model, copy.deepcopy(OPTIM))


def test_text_stage_freezes_attention_and_v_ffn(codebook):
    model, optim = build_stage(('textmlm', ), IMAGE_PATH, codebook)
    names = {id(p): n for n, p in model.named_parameters()}
    held = {names[id(p)] for g in optim.optimizer.param_groups
            for p in g['params']}
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert 'transformer.blocks.0.attn.qkv.weight' in frozen
    assert 'transformer.blocks.1.mlp_imag.fc1.weight' in frozen
    assert 'transformer.blocks.0.mlp_text.fc1.weight' in held
    assert not frozen & held and frozen | held == set(names.values())
    images, samples = masked_batch()
    model.eval()
    with torch.no_grad():
        before = model.encode_modality(model.embed_images(images),
                                       'image')[0]
    text_expert = model.transformer.blocks[0].mlp_text.fc1.weight.clone()
    model.train()
    for _ in range(3):
        optim.update_params(model.loss(images, samples)['loss_textmlm'])
    stateful = {names[id(p)] for p in optim.optimizer.state}
    assert stateful and not stateful & frozen
    model.eval()
    with torch.no_grad():
        after = model.encode_modality(model.embed_images(images), 'image')[0]
    # the image path is exactly that of the previous stage
    assert torch.equal(before, after)
    assert not torch.equal(model.transformer.blocks[0].mlp_text.fc1.weight,
                           text_expert)


def test_image_stage_leaves_the_text_side_out(codebook):
    model, optim = build_stage(('mim', ), [
        'text_embeddings.*', 'transformer.blocks.*.norm2_text.*',
        'transformer.blocks.*.mlp_text.*', 'transformer.blocks.*.norm2_vl.*',
        'transformer.blocks.*.mlp_vl.*'
    ], codebook)
    text_params = {id(p) for n, p in model.named_parameters()
                   if n.startswith('text_embeddings') or 'mlp_text' in n}
    held = {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    assert text_params and not text_params & held
    images, samples = masked_batch()
    attention = model.transformer.blocks[0].attn.qkv.weight.clone()
    words = model.text_embeddings.word_embeddings.weight.clone()
    optim.update_params(model.loss(images, samples)['loss_mim'])
    assert not torch.equal(model.transformer.blocks[0].attn.qkv.weight,
                           attention)
    assert torch.equal(model.text_embeddings.word_embeddings.weight, words)


def test_bad_stage_arguments_are_named(codebook):
    with pytest.raises(KeyError, match='matches no parameter'):
        build(vlmo_cfg(frozen=['transformer.blocks.*.no_such.*']))
    with pytest.raises(ValueError, match='itm'):
        build(vlmo_cfg(tasks=('itm', 'mlm')))
    with pytest.raises(ValueError, match='visual_tokenizer'):
        build(vlmo_cfg(tasks=('mim', )))
    from mmvision_plus.engine.optimizers import \
        TrainableParamsOptimWrapperConstructor
    model = build(vlmo_cfg())
    model.requires_grad_(False)
    with pytest.raises(ValueError, match='no trainable parameter'):
        TrainableParamsOptimWrapperConstructor(
            dict(type='OptimWrapper', optimizer=dict(type='AdamW',
                                                     lr=1e-3)))(model)


def test_vl_ffn_starts_as_the_text_expert(tmp_path):
    source = build(vlmo_cfg(tasks=('itc', 'itm', 'mlm')), seed=1)
    path = str(tmp_path / 'stage2.pth')
    torch.save(dict(state_dict=source.state_dict()), path)
    model = build(vlmo_cfg(vl_ffn_init='text', init_cfg=dict(
        type='Pretrained', checkpoint=path)), seed=2)
    block, src = model.transformer.blocks[2], source.transformer.blocks[2]
    assert torch.equal(block.mlp_vl.fc1.weight, src.mlp_text.fc1.weight)
    assert torch.equal(block.norm2_vl.weight, src.norm2_text.weight)
    assert torch.equal(block.mlp_text.fc2.weight, src.mlp_text.fc2.weight)


def test_relative_position_indices():
    image, rows = image_relative_index((2, 2))
    assert rows == 3 * 3 + 3 and image.shape == (5, 5)
    assert image[0, 0] == rows - 1 and image[0, 1] == rows - 3
    assert image[1, 0] == rows - 2
    # patch offsets: equal displacement, equal row
    assert image[1, 2] == image[3, 4] and image[1, 2] != image[2, 1]
    text = text_relative_index(6, text_range=196, image_rows=rows)
    assert text[1, 2] == text[3, 4] and text[2, 1] == text[4, 3]
    assert text[1, 1] == rows + 2 + 194  # offset 0 -> row R + 2 + (T - 2)
    position = VLMoRelativePosition((2, 2), 6)
    vl = position.index('vl', 4)
    assert vl.shape == (9, 9)
    assert torch.equal(vl[:4, :4], text[:4, :4])
    assert torch.equal(vl[4:, 4:], image)
    assert (vl[:4, 4:] == rows).all() and (vl[4:, :4] == rows + 1).all()
    assert int(position.text_image.max()) < position.num_rows
    with pytest.raises(ValueError, match='text length'):
        position.index('text', 7)


def to_official(state_dict):
    """Our VLMo state dict in the official layout (q_bias / v_bias,
    index buffers, HF position ids, DeepSpeed's module. prefix)."""
    official = {}
    for key, value in state_dict.items():
        if key.endswith('.attn.qkv.bias'):
            prefix = key[:-len('qkv.bias')]
            q, _, v = value.chunk(3)
            official[prefix + 'q_bias'], official[prefix + 'v_bias'] = q, v
        else:
            official[key] = value
    official['relative_position_index'] = torch.zeros(5, 5)
    official['text_imag_relative_position_index'] = torch.zeros(3, 3)
    official['text_embeddings.position_ids'] = torch.arange(40)[None]
    return {f'module.{k}': v for k, v in official.items()}


def test_official_checkpoint_layout_loads_strictly(test_batch):
    source = build(vlmo_cfg(), seed=3).eval()
    with torch.no_grad():  # official models have no key bias
        for block in source.transformer.blocks:
            block.attn.qkv.bias[24:48] = 0
    converted = vlmo_to_mmvp(to_official(source.state_dict()))
    target = build(vlmo_cfg(), seed=4).eval()
    target.load_state_dict(converted, strict=True)
    images, samples = test_batch
    with torch.no_grad():
        expected = source.extract_feat(images, samples)
        got = target.extract_feat(images, samples)
    for key in expected:
        assert torch.equal(expected[key], got[key]), key
    broken = to_official(source.state_dict())
    broken.pop('module.transformer.blocks.0.attn.v_bias')
    with pytest.raises(KeyError, match='v_bias'):
        vlmo_to_mmvp(broken)
