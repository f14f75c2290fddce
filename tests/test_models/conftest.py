"""Fixtures shared by the model tests: a tiny BERT checkpoint on disk."""
import pytest


@pytest.fixture(scope='session')
def tiny_bert_dir(tmp_path_factory):
    """A 2-layer, 32-d random BERT saved with ``save_pretrained``.

    Seeded, so tests that train on top of it do not depend on the order in
    which the session consumed the global random state.
    """
    import torch
    from transformers import BertConfig, BertModel
    config = BertConfig(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=32)
    out = tmp_path_factory.mktemp('tiny_bert')
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = BertModel(config, add_pooling_layer=False)
    model.save_pretrained(str(out))
    return str(out)
