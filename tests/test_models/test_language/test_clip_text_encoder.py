"""CLIPTextEncoder: CLIP BPE ids, pooling, modes, checkpoint layouts."""
import json

import pytest
import torch
from open_clip import tokenize as open_clip_tokenize
from open_clip.tokenizer import SimpleTokenizer
from transformers import CLIPTokenizer

from mmvision_plus.models.language import (CLIPBPETokenizer,
                                           CLIPCheckpointError,
                                           CLIPTextEncoder, EmptyPromptError,
                                           PromptTooLongError,
                                           clip_text_state_dict)

SAMPLES = [
    'a photo of a cat',
    'the small red circle left of the blue square',
    'Hello, World!  123 dogs',
    "don't stop the naïve café's music",
    'traffic light',
]
LONG = ' '.join(['the big green striped umbrella next to the bench'] * 12)
TINY = dict(embed_dims=16, width=32, num_layers=2, num_heads=2)


@pytest.fixture(scope='module')
def hf_tokenizer(tmp_path_factory):
    """HF's CLIPTokenizer built from open_clip's BPE file (same vocab)."""
    bpe = SimpleTokenizer()
    out = tmp_path_factory.mktemp('clip_vocab')
    vocab = {token: i for token, i in bpe.encoder.items()}
    (out / 'vocab.json').write_text(json.dumps(vocab))
    merges = sorted(bpe.bpe_ranks, key=bpe.bpe_ranks.get)
    (out / 'merges.txt').write_text(
        '#version: 0.2\n' + '\n'.join(' '.join(m) for m in merges) + '\n')
    return CLIPTokenizer(
        str(out / 'vocab.json'), str(out / 'merges.txt'),
        bos_token='<start_of_text>', eos_token='<end_of_text>',
        unk_token='<end_of_text>', pad_token='<end_of_text>')


@pytest.mark.parametrize('text', SAMPLES)
def test_token_ids_equal_the_reference_tokenizers(text, hf_tokenizer):
    ids, mask = CLIPBPETokenizer()([text])
    n = int(mask.sum())
    reference = open_clip_tokenize([text])[0]
    assert ids[0, :n].tolist() == reference[:n].tolist()
    assert reference[n:].eq(0).all()  # nothing cut off
    assert ids[0, :n].tolist() == hf_tokenizer(text)['input_ids']
    assert ids[0, 0] == 49406 and ids[0, n - 1] == 49407


def test_truncation_at_77_matches_clip(hf_tokenizer):
    tokenizer = CLIPBPETokenizer(truncate=True)
    with pytest.warns(UserWarning, match='truncated'):
        ids, mask = tokenizer([LONG])
    assert ids.shape == (1, 77) and mask.all()
    assert ids[0].tolist() == open_clip_tokenize([LONG])[0].tolist()
    assert ids[0].tolist() == hf_tokenizer(
        LONG, truncation=True, max_length=77)['input_ids']


def test_too_long_or_empty_prompts_are_named_errors():
    tokenizer = CLIPBPETokenizer()
    with pytest.raises(PromptTooLongError, match='context length 77'):
        tokenizer(['a cat', LONG])
    with pytest.raises(EmptyPromptError):
        tokenizer([])
    with pytest.raises(EmptyPromptError):
        tokenizer(['cat', '  '])


def test_an_explicit_max_length_pads_and_limits():
    """The vision-language interface: ``tokenizer(texts, max_length)``."""
    tokenizer = CLIPBPETokenizer(truncate=True)
    ids, mask = tokenizer(['cat', 'wow!'], 12)
    assert ids.shape == mask.shape == (2, 12)
    assert mask.sum(1).tolist() == [3, 4] and ids[:, 4:].eq(0).all()
    short, _ = tokenizer(['cat', 'wow!'], 12, pad_to_longest=True)
    assert short.shape == (2, 4)
    with pytest.warns(UserWarning, match='truncated'):
        cut, mask = tokenizer([LONG], 20)
    assert cut[0].tolist() == open_clip_tokenize([LONG], 20)[0].tolist()
    with pytest.raises(PromptTooLongError, match='context length 20'):
        CLIPBPETokenizer()([LONG], 20)
    with pytest.raises(ValueError, match='max_length 78 exceeds'):
        tokenizer(['cat'], 78)


def test_padding_to_the_longest_prompt():
    ids, mask = CLIPBPETokenizer()(['cat', 'a photo of a dog'])
    assert ids.shape == mask.shape == (2, 7)
    assert mask.sum(1).tolist() == [3, 7]
    assert ids[0, 3:].eq(0).all()


def test_one_embedding_per_prompt_is_the_mean_of_its_tokens():
    torch.manual_seed(0)
    encoder = CLIPTextEncoder(**TINY)
    out = encoder(['cat', 'a red circle', 'the small blue square'])
    assert out['token_feats'].shape == (3, 6, 16)
    assert out['pooled'].shape == (3, 16)
    assert out['token_mask'].sum(1).tolist() == [3, 5, 6]
    for i, n in enumerate([3, 5, 6]):
        torch.testing.assert_close(out['pooled'][i],
                                   out['token_feats'][i, :n].mean(0))
    # a prompt's embedding does not depend on what it is batched with
    alone = encoder(['cat'])['pooled'][0]
    torch.testing.assert_close(alone, out['pooled'][0], atol=1e-5,
                               rtol=1e-5)


def test_frozen_mode_trains_only_the_projection_and_caches():
    torch.manual_seed(0)
    encoder = CLIPTextEncoder(**TINY, mode='frozen', cache_size=8)
    encoder.train()
    assert not encoder.clip.training
    out = encoder(['cat', 'dog'])
    out['pooled'].sum().backward()
    assert encoder.lang_projection.grad.abs().sum() > 0
    assert all(p.grad is None for p in encoder.clip.parameters())
    assert set(encoder._cache) == {'cat', 'dog'}
    again = encoder(['a dog', 'cat'])
    torch.testing.assert_close(again['pooled'][1], out['pooled'][0])
    encoder.load_state_dict(encoder.state_dict())
    assert not encoder._cache
    with pytest.raises(ValueError, match='frozen'):
        CLIPTextEncoder(**TINY, mode='trainable', cache_size=4)


def test_distill_mode_pulls_the_student_to_a_frozen_copy():
    torch.manual_seed(0)
    encoder = CLIPTextEncoder(**TINY, mode='distill')
    encoder.init_weights()
    encoder.train()
    out = encoder(['cat', 'a dog'])
    assert out['loss_distill'].item() == 0  # the teacher is the student
    with torch.no_grad():
        encoder.clip.text_model.final_layer_norm.bias.add_(0.5)
    out = encoder(['cat', 'a dog'])
    # MSE of a constant 0.5 shift over valid tokens, weight 4 (official)
    torch.testing.assert_close(out['loss_distill'], torch.tensor(4 * 0.25))
    out['loss_distill'].backward()
    assert encoder.clip.text_model.final_layer_norm.bias.grad.abs().sum() > 0
    assert all(not p.requires_grad for p in encoder.teacher.parameters())
    encoder.eval()
    assert 'loss_distill' not in encoder(['cat'])


def _open_clip_text_tower():
    from open_clip.transformer import QuickGELU, TextTransformer
    torch.manual_seed(1)
    return TextTransformer(width=32, heads=2, layers=2, output_dim=8,
                           act_layer=QuickGELU, output_tokens=True).eval()


def test_openai_layout_converts_to_the_same_features(tmp_path):
    """An open_clip (OpenAI-layout) text tower, saved to disk, loads into
    the encoder and gives the same token features."""
    tower = _open_clip_text_tower()
    path = tmp_path / 'open_clip_text.pth'
    torch.save(tower.state_dict(), path)
    encoder = CLIPTextEncoder(**TINY, pretrained=str(path))
    encoder.init_weights()
    texts = ['a photo of a cat', 'the red square']
    ids, mask = encoder.tokenizer(texts)
    padded = torch.zeros(2, 77, dtype=torch.long)
    padded[:, :ids.shape[1]] = ids
    with torch.no_grad():
        _, reference = tower(padded)
        ours = encoder.clip(input_ids=ids,
                            attention_mask=mask).last_hidden_state
    for i, n in enumerate(mask.sum(1).tolist()):
        torch.testing.assert_close(ours[i, :n], reference[i, :n], atol=1e-5,
                                   rtol=1e-4)


def test_hf_layout_under_a_prefix_loads_and_ambiguity_is_named(tmp_path):
    """GLEE's checkpoint holds the student and the teacher text models."""
    source = CLIPTextEncoder(**TINY)
    student = {f'glee.text_encoder.{k}': v
               for k, v in source.clip.state_dict().items()}
    teacher = {f'glee.text_encoder_teacher.{k}': torch.zeros_like(v)
               for k, v in source.clip.state_dict().items()}
    path = tmp_path / 'glee.pth'
    torch.save(dict(model=dict(student, **teacher)), path)
    with pytest.raises(CLIPCheckpointError, match='several'):
        CLIPTextEncoder(**TINY, pretrained=str(path)).init_weights()
    encoder = CLIPTextEncoder(**TINY, pretrained=str(path),
                              pretrained_prefix='glee.text_encoder.')
    encoder.init_weights()
    for key, value in source.clip.state_dict().items():
        assert torch.equal(encoder.clip.state_dict()[key], value), key
    with pytest.raises(CLIPCheckpointError, match='no CLIP text model'):
        clip_text_state_dict({'conv.weight': torch.zeros(1)}, source='x')
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        CLIPTextEncoder(**TINY, pretrained=str(tmp_path / 'missing.pth')
                        ).init_weights()
