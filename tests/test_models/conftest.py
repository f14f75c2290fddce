"""Fixtures shared by the model tests: a tiny BERT checkpoint on disk."""
import pytest


@pytest.fixture(scope='session')
def tiny_bert_dir(tmp_path_factory):
    """A 2-layer, 32-d random BERT saved with ``save_pretrained``.

    Seeded inside a forked RNG: the weights do not depend on which tests ran
    before (the MDRL training test's loss curve depends on them), and the
    global RNG of later tests is untouched.
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
