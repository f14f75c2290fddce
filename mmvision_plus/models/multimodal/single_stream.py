"""What ViLT and VLMo share: one transformer over text tokens followed by
image tokens.

* text tokens: Hugging Face's ``BertEmbeddings`` (word, position and its
  own token-type embedding, LayerNorm) plus the model's
  ``token_type_embeddings`` row 0; image tokens get row 1 (the official
  ViLT / VLMo inputs, same module names);
* a fused pass concatenates ``[text, image]`` with the text padding
  masked; its pooled [CLS] (``pooler``) feeds the ITM head
  (``itm_score``), its text states the MLM head (``mlm_score``).

A subclass builds the transformer and defines :meth:`fuse_tokens`.
"""
from abc import abstractmethod
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from transformers import BertConfig
from transformers.models.bert.modeling_bert import BertEmbeddings

from mmvision_plus.models.losses import IGNORE_INDEX
from mmvision_plus.registry import MODELS
from .base import BaseImageTextModel
from .token_masking import mask_tokens


class SingleStreamModel(BaseImageTextModel):
    """Text embeddings, fused-pass heads and their losses (see the module
    docstring).

    Args:
        width (int): Token width C of the transformer.
        relative_position (bool): Text positions come from a relative
            position bias (VLMo-B/L): ``BertEmbeddings`` adds no absolute
            position embedding. Defaults to False.
        with_itm (bool): Build ``pooler`` + ``itm_score``.
        with_mlm (bool): Build ``mlm_score`` (needs ``[MASK]``).
        mlm_prob (float): MLM masking probability (of words with
            ``whole_word_masking``). Defaults to 0.15.
        whole_word_masking (bool): Mask whole words (ViLT, VLMo): a
            WordPiece ``##`` token belongs to the word before it; other
            tokenizers' tokens are words. Defaults to True.
        **kwargs: :class:`~.base.BaseImageTextModel` arguments.
    """

    def __init__(self,
                 width: int,
                 with_itm: bool,
                 with_mlm: bool,
                 relative_position: bool = False,
                 mlm_prob: float = 0.15,
                 whole_word_masking: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.text_embeddings = BertEmbeddings(BertConfig(
            vocab_size=self.tokenizer.vocab_size, hidden_size=width,
            max_position_embeddings=self.max_text_length,
            hidden_dropout_prob=0.0, pad_token_id=self.tokenizer.pad_token_id,
            position_embedding_type='rel_pos' if relative_position else
            'absolute'))
        self.token_type_embeddings = nn.Embedding(2, width)
        self.mlm_prob = mlm_prob
        self.whole_word_masking = whole_word_masking
        self.register_buffer('continuation', self._continuation_table(),
                             persistent=False)
        if with_itm:
            self.pooler = MODELS.build(dict(type='ClsPooler',
                                            in_channels=width))
            self.itm_score = MODELS.build(
                dict(type='ImageTextMatchingHead', in_channels=width))
        if with_mlm:
            if self.tokenizer.mask_token_id is None:
                raise ValueError(f'{type(self).__name__}: MLM needs a '
                                 'tokenizer with [MASK]')
            self.mlm_score = MODELS.build(dict(
                type='TokenPredictionHead', in_channels=width,
                vocab_size=self.tokenizer.vocab_size))

    # -- inputs ---------------------------------------------------------------
    def embed_texts(self, input_ids: Tensor) -> Tensor:
        """Text tokens with their type embedding (B, L, C)."""
        return self.text_embeddings(input_ids) + \
            self.token_type_embeddings.weight[0]

    def type_image_tokens(self, tokens: Tensor) -> Tensor:
        """Image tokens (B, 1 + N, C) plus their type embedding."""
        return tokens + self.token_type_embeddings.weight[1]

    @staticmethod
    def concat_text_image(text_tokens: Tensor, image_tokens: Tensor,
                          attention_mask: Tensor) -> Tuple[Tensor, Tensor]:
        """``[text, image]`` tokens (B, L + M, C) and their key padding
        mask (B, L + M), True for text padding."""
        padding = torch.cat([
            attention_mask == 0,
            attention_mask.new_zeros(image_tokens.shape[:2]).bool()
        ], dim=1)
        return torch.cat([text_tokens, image_tokens], dim=1), padding

    def _continuation_table(self) -> Tensor:
        """Bool (V,): the token continues a word (WordPiece ``##``)."""
        hf = getattr(self.tokenizer, 'hf', None)
        if hf is None:
            return torch.zeros(self.tokenizer.vocab_size, dtype=torch.bool)
        tokens = hf.convert_ids_to_tokens(
            list(range(self.tokenizer.vocab_size)))
        return torch.tensor([str(t).startswith('##') for t in tokens])

    def mask_texts(self, input_ids: Tensor) -> Tuple[Tensor, Tensor]:
        """MLM corruption (80/10/10) and labels, see :func:`mask_tokens`;
        whole words with ``whole_word_masking``."""
        tokenizer = self.tokenizer
        starts = ~self.continuation[input_ids] \
            if self.whole_word_masking else None
        return mask_tokens(input_ids, tokenizer.mask_token_id,
                           tokenizer.vocab_size, tokenizer.special_token_ids,
                           self.mlm_prob, word_starts=starts)

    # -- what a subclass defines (abstract) -----------------------------------
    @abstractmethod
    def fuse_tokens(self, image_tokens: Tensor, input_ids: Tensor,
                    attention_mask: Tensor,
                    text_tokens: Optional[Tensor] = None) -> Tensor:
        """Final states (B, L + M, C) of the fused pass of embedded image
        tokens (B, M, C) and texts (``text_tokens``: embedded masked ids)."""

    # -- shared heads ---------------------------------------------------------
    def match_logits(self,
                     image_embeds: Tensor,
                     input_ids: Tensor,
                     attention_mask: Tensor,
                     text_embeds: Optional[Tensor] = None) -> Tensor:
        """ITM logits (P, 2) of pairs of embedded images and texts (the
        texts cut to the longest of them: padding changes nothing but the
        cost)."""
        if not hasattr(self, 'itm_score'):
            return super().match_logits(image_embeds, input_ids,
                                        attention_mask, text_embeds)
        length = int(attention_mask.sum(dim=1).max())
        return self.itm_score(self.pooler(self.fuse_tokens(
            image_embeds, input_ids[:, :length],
            attention_mask[:, :length])))

    def fused_mlm_loss(self, image_tokens: Tensor, input_ids: Tensor,
                       attention_mask: Tensor, loss: nn.Module) -> Tensor:
        """MLM of the fused pass: a masked caption with its image, the
        vocabulary scored at the masked text positions only."""
        masked_ids, labels = self.mask_texts(input_ids)
        fused = self.fuse_tokens(image_tokens, masked_ids, attention_mask,
                                 self.embed_texts(masked_ids))
        return self.token_loss(fused[:, :input_ids.size(1)], labels, loss)

    def token_loss(self, states: Tensor, labels: Tensor,
                   loss: nn.Module) -> Tensor:
        """``loss`` of ``mlm_score`` at the labelled positions of states
        (B, L, C)."""
        chosen = labels != IGNORE_INDEX
        return loss(self.mlm_score(states[chosen])[None],
                    labels[chosen][None])

    def itm_loss(self, image_tokens: Tensor, input_ids: Tensor,
                 attention_mask: Tensor, image_index: Tensor,
                 text_index: Tensor, labels: Tensor) -> Tensor:
        """ITM loss of the pairs ``(image_index[p], text_index[p])``."""
        fused = self.fuse_tokens(image_tokens[image_index],
                                 input_ids[text_index],
                                 attention_mask[text_index])
        return self.itm_score.loss(self.pooler(fused), labels)


def check_tasks(owner: str, tasks: Sequence[str],
                known: Sequence[str]) -> Tuple[str, ...]:
    """``tasks`` as a tuple; a non-empty subset of ``known``."""
    tasks = tuple(tasks)
    if not tasks or set(tasks) - set(known):
        raise ValueError(f'{owner}: tasks must be a non-empty subset of '
                         f'{tuple(known)}, got {tasks}')
    return tasks
