"""VLMo's relative position bias: one table for every layer and every kind
of token pair.

The official model keeps a single parameter ``relative_position_bias_table``
of shape (D, heads * layers) (layer-major columns: layer l uses columns
``[l * heads, (l + 1) * heads)``) whose rows are

* ``[0, R)`` with ``R = (2h - 1)(2w - 1) + 3``: BEiT's image table (patch
  offsets, then [CLS]-to-patch, patch-to-[CLS], [CLS]-to-[CLS]);
* ``R``: text-to-image, ``R + 1``: image-to-text pairs;
* ``[R + 2, R + 2 + 2T)``: text offsets (T = ``text_range``, the text
  length of the checkpoint the table was first made for: 196), then the
  text [CLS] rows at the end (``D - 3``, ``D - 2``, ``D - 1``).

An index matrix says which row every (query, key) pair reads, for
image-only, text-only and text-then-image (VLMo's fusion order) inputs.
"""
from typing import Tuple

import torch
from torch import Tensor


def image_relative_index(grid: Tuple[int, int]) -> Tuple[Tensor, int]:
    """BEiT's index (1 + hw, 1 + hw) of an h x w patch grid with [CLS]
    first, and the number R of image rows."""
    height, width = grid
    num_rows = (2 * height - 1) * (2 * width - 1) + 3
    coords = torch.stack(torch.meshgrid(torch.arange(height),
                                        torch.arange(width),
                                        indexing='ij')).flatten(1)
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    relative[:, :, 0] += height - 1
    relative[:, :, 1] += width - 1
    relative[:, :, 0] *= 2 * width - 1
    index = torch.zeros((height * width + 1, ) * 2, dtype=torch.long)
    index[1:, 1:] = relative.sum(-1)
    index[0, 0:] = num_rows - 3
    index[0:, 0] = num_rows - 2
    index[0, 0] = num_rows - 1
    return index, num_rows


def text_relative_index(max_length: int, text_range: int,
                        image_rows: int) -> Tensor:
    """Index (L, L) of a text of ``max_length`` tokens ([CLS] first)."""
    num_rows = image_rows + 2 * text_range + 2
    positions = torch.arange(max_length - 1)
    offsets = positions[None, :] - positions[:, None]  # key - query
    index = torch.zeros((max_length, ) * 2, dtype=torch.long)
    index[1:, 1:] = offsets - (2 - text_range) + image_rows + 2
    index[0, 0:] = num_rows - 3
    index[0:, 0] = num_rows - 2
    index[0, 0] = num_rows - 1
    return index


def num_table_rows(grid: Tuple[int, int], text_range: int) -> int:
    """Rows D of the table."""
    return (2 * grid[0] - 1) * (2 * grid[1] - 1) + 3 + 2 * text_range + 2


class VLMoRelativePosition:
    """The three index matrices of one model (image grid, text length).

    Args:
        grid (tuple[int, int]): Patch grid (h, w).
        max_text_length (int): Longest text L (tokens, [CLS] included).
        text_range (int): T of the table layout (official: 196).
    """

    def __init__(self, grid: Tuple[int, int], max_text_length: int,
                 text_range: int = 196) -> None:
        if max_text_length - 1 > text_range:
            raise ValueError(f'VLMo relative positions: max_text_length '
                             f'{max_text_length} exceeds the table\'s text '
                             f'range {text_range} + 1')
        self.image, image_rows = image_relative_index(grid)
        self.text = text_relative_index(max_text_length, text_range,
                                        image_rows)
        self.num_rows = num_table_rows(grid, text_range)
        self.max_text_length = max_text_length
        num_image = self.image.size(0)
        text_rows = torch.cat([
            self.text,
            torch.full((max_text_length, num_image), image_rows)
        ], dim=1)
        image_rows_ = torch.cat([
            torch.full((num_image, max_text_length), image_rows + 1),
            self.image
        ], dim=1)
        self.text_image = torch.cat([text_rows, image_rows_])

    def index(self, modality: str, text_length: int = 0) -> Tensor:
        """Index matrix of an input: ``'image'`` (1 + hw)^2, ``'text'``
        (L, L) or ``'vl'`` (L + 1 + hw)^2 for texts of ``text_length``
        tokens (at most ``max_text_length``)."""
        if modality == 'image':
            return self.image
        if not 0 < text_length <= self.max_text_length:
            raise ValueError(f'VLMo relative positions: text length '
                             f'{text_length} not in [1, '
                             f'{self.max_text_length}]')
        if modality == 'text':
            return self.text[:text_length, :text_length]
        keep = torch.cat([
            torch.arange(text_length),
            self.max_text_length + torch.arange(self.image.size(0))
        ])
        return self.text_image[keep][:, keep]


def layer_biases(table: Tensor, index: Tensor,
                 num_layers: int) -> Tuple[Tensor, ...]:
    """Per-layer additive attention biases (heads, N, N) of an index
    (N, N) into a table (D, heads * layers)."""
    bias = table[index.to(table.device)]  # (N, N, heads * layers)
    return bias.permute(2, 0, 1).reshape(num_layers, -1, *index.shape
                                         ).unbind(0)
