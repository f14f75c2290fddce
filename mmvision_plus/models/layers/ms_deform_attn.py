"""Multi-scale deformable attention with a fast pure-PyTorch CPU path.

mmcv 2.1.0 ships no CPU kernel for multi-scale deformable attention: on CPU
``mmcv.ops.MultiScaleDeformableAttention`` falls back to
``multi_scale_deformable_attn_pytorch``, which runs one ``F.grid_sample`` per
level on a transposed copy of the value, stacks the per-point samples
``(bs * heads, dims, queries, levels * points)`` and then multiplies and
sums them with the attention weights. Materialising, stacking and
multiplying those samples (and their backward) is most of the cost: in the
demo DINO training step on CPU this function took 44-46% of the step
(``tools/analysis_tools/profile_detr_cpu.py``). That is why this module
exists instead of reusing mmcv's function.

:func:`multi_scale_deformable_attn_cpu` computes the same thing without
materialising any sample: the bilinear corner weights are folded into the
attention weights and each (query, head) output is one weighted sum of
value rows, ``F.embedding_bag(mode='sum', per_sample_weights=...)`` over a
value table padded with a zero border (so the zero padding of
``grid_sample`` needs no per-corner masks). Its backward
(:class:`_BilinearRowSum`) transposes the sampling pattern with one integer
sort and runs ``embedding_bag`` again for the value gradient.

:class:`FastCPUMultiScaleDeformableAttention` is mmcv's module with that
kernel on CPU and mmcv's compiled op on CUDA / MLU; it has mmcv's parameters,
state-dict keys and initialisation. mmdet's DETR layers instantiate mmcv's
class directly (not through the registry), so :func:`use_fast_cpu_deform_attn`
switches an already-built model in place.
"""
from typing import List, Optional, Tuple, no_type_check

import torch
import torch.nn.functional as F
from mmcv.ops import MultiScaleDeformableAttention
from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction
from mmcv.utils import IS_CUDA_AVAILABLE, IS_MLU_AVAILABLE
from mmengine.utils import deprecated_api_warning
from torch import nn
from torch.autograd.function import Function, once_differentiable

from mmvision_plus.registry import MODELS


def _check_shapes(value: torch.Tensor, spatial_shapes: torch.Tensor,
                  sampling_locations: torch.Tensor,
                  attention_weights: torch.Tensor) -> None:
    """Raise a ``ValueError`` naming the argument whose shape is wrong."""
    if value.dim() != 4:
        raise ValueError('value must be (bs, num_keys, num_heads, head_dims), '
                         f'got shape {tuple(value.shape)}')
    if spatial_shapes.dim() != 2 or spatial_shapes.shape[1] != 2:
        raise ValueError('spatial_shapes must be (num_levels, 2) as (h, w), '
                         f'got shape {tuple(spatial_shapes.shape)}')
    bs, num_keys, num_heads, _ = value.shape
    if (sampling_locations.dim() != 6 or sampling_locations.shape[-1] != 2
            or sampling_locations.shape[0] != bs
            or sampling_locations.shape[2] != num_heads
            or sampling_locations.shape[3] != spatial_shapes.shape[0]):
        raise ValueError(
            'sampling_locations must be (bs, num_queries, num_heads, '
            f'num_levels, num_points, 2) = ({bs}, Q, {num_heads}, '
            f'{spatial_shapes.shape[0]}, P, 2), got shape '
            f'{tuple(sampling_locations.shape)}')
    if attention_weights.shape != sampling_locations.shape[:-1]:
        raise ValueError(
            'attention_weights must be (bs, num_queries, num_heads, '
            f'num_levels, num_points) = {tuple(sampling_locations.shape[:-1])}'
            f', got shape {tuple(attention_weights.shape)}')
    total_keys = int((spatial_shapes[:, 0] * spatial_shapes[:, 1]).sum())
    if total_keys != num_keys:
        raise ValueError(f'spatial_shapes cover {total_keys} keys but value '
                         f'has {num_keys}')


class _PaddedLevels:
    """Index bookkeeping for the value levels padded by one zero pixel.

    Every level (h, w) becomes (h + 2, w + 2) with a zero border, so all four
    bilinear corners of a point whose 2x2 cell touches the level are valid
    rows of the padded table; corners outside the level read the border's
    zeros, which is ``grid_sample``'s ``padding_mode='zeros'``.

    Args:
        spatial_shapes (list[tuple[int, int]]): each level's (h, w).
        num_points (int): sampling points per level and head.
        num_heads (int): attention heads (the table's innermost row index).
        device (torch.device): where the index tensors live.
    """

    def __init__(self, spatial_shapes: List[Tuple[int, int]],
                 num_points: int, num_heads: int, device: torch.device):
        padded = [(h + 2, w + 2) for h, w in spatial_shapes]
        starts = [0]
        for h, w in padded[:-1]:
            starts.append(starts[-1] + h * w)
        self.num_padded_keys = starts[-1] + padded[-1][0] * padded[-1][1]
        # Padded key of every original key, in value's key order.
        self.inner_keys = torch.cat([
            start + (torch.arange(1, h + 1, device=device)[:, None] * (w + 2)
                     + torch.arange(1, w + 1, device=device)).flatten()
            for start, (h, w) in zip(starts, spatial_shapes)
        ])

        def per_point(values: list) -> torch.Tensor:
            """(levels, points, *value_shape) tensor, each level's value."""
            table = torch.tensor(values, device=device)
            return table[:, None].expand(-1, num_points,
                                         *table.shape[1:]).contiguous()

        # (levels, points, 2): level (w, h), for the (x, y) coordinates.
        self.size = per_point([[w, h] for h, w in spatial_shapes])
        # Table-row step of one padded image row, and the first row of every
        # level (before the batch and head offsets).
        self.row_step = per_point([w * num_heads for _, w in padded])
        self.level_row = per_point([start * num_heads for start in starts])
        # (4, levels, points): rows of the corners (y0, x0), (y0, x1),
        # (y1, x0), (y1, x1) relative to (y0, x0).
        self.corner_offsets = per_point([[
            0, num_heads, w * num_heads, (w + 1) * num_heads
        ] for _, w in padded]).permute(2, 0, 1).contiguous()


class _BilinearRowSum(Function):
    """Weighted sum of table rows over the four bilinear corners of points.

    ``out[i] = sum_{c, j} weights[i, c, j] * table[rows[i, c, j]]`` for bags
    ``i``, corners ``c`` and points ``j`` (corners before points, so that
    every broadcast building these tensors runs over whole points).

    The forward is one ``F.embedding_bag(mode='sum', per_sample_weights=...)``
    (fbgemm's row kernels on CPU). Autograd's own ``embedding_bag`` backward
    is slow here (its table gradient sorts all indices through a generic
    path and accumulates row by row), so this backward computes the table
    gradient ``S^T @ out_grad`` (``S`` the bags x rows weight matrix) as
    ``embedding_bag`` calls over the transposed incidence, found with an
    integer sort, and the weight gradient with ATen's
    ``_embedding_bag_per_sample_weights_backward`` (one dot product per
    sample); no (samples x dims) tensor is ever materialised.

    With many points per table row (an encoder), it sorts only the first
    corners, a quarter of the indices: the caller guarantees that every
    corner's row is the first corner's row plus a constant of the point's
    level, so that order sorts every corner's rows too, and the table
    gradient is then one ``embedding_bag`` per corner. With few points over
    a large table (a decoder at 800 px) it sorts all the rows once and runs
    one ``embedding_bag``, which saves three (rows x dims) partial sums.
    """

    @staticmethod
    def forward(ctx, rows: torch.Tensor, table: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        """
        Args:
            rows (Tensor): (num_bags, 4, points) integer rows of ``table``;
                ``rows[:, c] - rows[:, 0]`` constant within a level.
            table (Tensor): (num_rows, dims).
            weights (Tensor): (num_bags, 4, points), ``table``'s dtype.

        Returns:
            Tensor: (num_bags, dims).
        """
        ctx.save_for_backward(rows, table, weights)
        return F.embedding_bag(
            rows.flatten(1), table, per_sample_weights=weights.flatten(1),
            mode='sum')

    @staticmethod
    @once_differentiable
    def backward(ctx, out_grad: torch.Tensor):
        rows, table, weights = ctx.saved_tensors
        out_grad = out_grad.contiguous()
        table_grad = weights_grad = None
        if ctx.needs_input_grad[1]:
            table_grad = _table_grad(rows, weights, out_grad, table.shape[0])
        if ctx.needs_input_grad[2]:
            num_bags, bag_size = rows.shape[0], rows[0].numel()
            bags = torch.arange(num_bags, dtype=rows.dtype, device=rows.device)
            weights_grad = torch.ops.aten.\
                _embedding_bag_per_sample_weights_backward(
                    out_grad, table, rows.flatten(), bags * bag_size,
                    bags[:, None].expand(-1, bag_size).flatten(),
                    0).view(weights.shape)
        return None, table_grad, weights_grad


# With at least this many points per table row, the table gradient sorts
# the first corners only (see _BilinearRowSum).
_MIN_POINTS_PER_ROW_TO_SORT_FIRST_CORNERS = 4


def _table_grad(rows: torch.Tensor, weights: torch.Tensor,
                out_grad: torch.Tensor, num_rows: int) -> torch.Tensor:
    """``grad[r] = sum_{rows[i, c, j] = r} weights[i, c, j] * out_grad[i]``,
    deterministic (a stable sort fixes the summation order).

    Args:
        rows (Tensor): (num_bags, 4, points), as in :class:`_BilinearRowSum`.
        weights (Tensor): (num_bags, 4, points).
        out_grad (Tensor): (num_bags, dims).
        num_rows (int): rows of the table.

    Returns:
        Tensor: (num_rows, dims).
    """
    num_points = rows.shape[2]
    if rows[:, 0].numel() < \
            _MIN_POINTS_PER_ROW_TO_SORT_FIRST_CORNERS * num_rows:
        sorted_rows, order = torch.sort(rows.flatten(), stable=True)
        return _transposed_row_sum(sorted_rows, order // (num_points * 4),
                                   weights.flatten().index_select(0, order),
                                   out_grad, num_rows)
    # corner-major copies, so that every corner's gather is contiguous
    corner_rows = rows.transpose(0, 1).reshape(4, -1)
    corner_weights = weights.transpose(0, 1).reshape(4, -1)
    order = torch.sort(corner_rows[0], stable=True).indices
    bags = order // num_points
    table_grad = None
    for corner in range(4):
        grad = _transposed_row_sum(
            corner_rows[corner].index_select(0, order), bags,
            corner_weights[corner].index_select(0, order), out_grad, num_rows)
        table_grad = grad if table_grad is None else table_grad.add_(grad)
    return table_grad


def _transposed_row_sum(sorted_rows: torch.Tensor, bags: torch.Tensor,
                        weights: torch.Tensor, out_grad: torch.Tensor,
                        num_rows: int) -> torch.Tensor:
    """``grad[r] = sum_{k: sorted_rows[k] = r} weights[k] * out_grad[bags[k]]``
    as one ``embedding_bag`` whose bags are the table rows.

    Args:
        sorted_rows (Tensor): (samples, ) table rows, ascending.
        bags (Tensor): (samples, ) the bag (row of ``out_grad``) of each.
        weights (Tensor): (samples, ) their weights.
        out_grad (Tensor): (num_bags, dims).
        num_rows (int): rows of the table.

    Returns:
        Tensor: (num_rows, dims).
    """
    counts = torch.bincount(sorted_rows, minlength=num_rows)
    return F.embedding_bag(
        bags.to(sorted_rows.dtype),
        out_grad, (counts.cumsum(0) - counts).to(sorted_rows.dtype),
        per_sample_weights=weights,
        mode='sum')


def multi_scale_deformable_attn_cpu(
        value: torch.Tensor, spatial_shapes: torch.Tensor,
        sampling_locations: torch.Tensor,
        attention_weights: torch.Tensor) -> torch.Tensor:
    """Multi-scale deformable attention as one weighted row sum.

    Same inputs, output and semantics as mmcv's
    ``multi_scale_deformable_attn_pytorch`` (bilinear sampling, zeros outside
    the level, ``align_corners=False``), differentiable with respect to
    ``value``, ``sampling_locations`` and ``attention_weights``. The levels
    are padded with a zero border (:class:`_PaddedLevels`); every (query,
    head) is then one bag of the four corners of its ``levels * points``
    points, weighted by the attention weight times the bilinear weight and
    summed by :class:`_BilinearRowSum`. As with mmcv's ``grid_sample``, a
    point whose 2x2 cell misses its level entirely samples zero and a NaN or
    infinite location gives NaN.

    Everything runs in at least float32, like mmcv's path under autocast
    (``grid_sample`` autocasts to float32): a bf16 location would be off by
    up to half a pixel on a 100-pixel level, and ATen's per-sample-weight
    gradient is slower in bf16 than in float32. A bf16 value (from a
    ``Linear`` under autocast) therefore gives a float32 output.

    Args:
        value (Tensor): shape (bs, num_keys, num_heads, head_dims), the
            levels' pixels flattened row-major and concatenated.
        spatial_shapes (Tensor): (num_levels, 2), each level's (h, w).
        sampling_locations (Tensor): (bs, num_queries, num_heads, num_levels,
            num_points, 2), normalised (x, y); (0, 0) is the top-left corner
            of the top-left pixel, (1, 1) the bottom-right corner of the
            bottom-right pixel.
        attention_weights (Tensor): (bs, num_queries, num_heads, num_levels,
            num_points).

    Returns:
        Tensor: (bs, num_queries, num_heads * head_dims), in ``value``'s
        dtype promoted to at least float32.
    """
    _check_shapes(value, spatial_shapes, sampling_locations,
                  attention_weights)
    bs, num_keys, num_heads, head_dims = value.shape
    num_queries, num_levels, num_points = (sampling_locations.shape[1],
                                           sampling_locations.shape[3],
                                           sampling_locations.shape[4])
    device = value.device
    levels = _PaddedLevels([tuple(hw) for hw in spatial_shapes.tolist()],
                           num_points, num_heads, device)
    num_rows = bs * levels.num_padded_keys * num_heads
    index_dtype = torch.int32 if num_rows < 2**31 else torch.int64
    coord_dtype = torch.promote_types(sampling_locations.dtype, torch.float32)
    table_dtype = torch.promote_types(value.dtype, torch.float32)

    size = levels.size.to(coord_dtype)
    pixel = sampling_locations.to(coord_dtype) * size - 0.5
    lower = pixel.floor()
    # Coordinates whose 2-pixel span touches the level (NaN fails both
    # tests; its index is then 0, always valid).
    coord_inside = (lower >= -1) & (lower <= size - 1)
    inside = coord_inside[..., 0] & coord_inside[..., 1]
    upper_weight = pixel - lower  # NaN / inf locations give NaN, as in mmcv
    # Top-left corner in padded coordinates, (x, y) in [0, w] x [0, h].
    cell = torch.where(coord_inside, lower + 1, 0).to(index_dtype)

    # Table row of (batch b, padded key k, head h) is (b * keys + k) * heads
    # + h, with k = level start + y * (w + 2) + x.
    first_row = (
        torch.arange(bs, device=device).view(bs, 1, 1, 1) *
        (levels.num_padded_keys * num_heads) +
        torch.arange(num_heads, device=device).view(1, num_heads, 1, 1) +
        levels.level_row).to(index_dtype)
    top_left = (cell[..., 1] * levels.row_step.to(index_dtype) +
                cell[..., 0] * num_heads + first_row.unsqueeze(1))

    attention = attention_weights.to(coord_dtype) * inside
    y1 = attention * upper_weight[..., 1]
    y0 = attention - y1
    x1 = upper_weight[..., 0]
    x0 = 1 - x1
    # (bs, Q, heads, 4, levels, points), corners before points
    weights = torch.stack([y0 * x0, y0 * x1, y1 * x0, y1 * x1], 3)
    rows = top_left.unsqueeze(3) + levels.corner_offsets.to(index_dtype)

    table = value.new_zeros(
        bs, levels.num_padded_keys, num_heads, head_dims, dtype=table_dtype)
    table.index_copy_(1, levels.inner_keys, value.to(table_dtype))
    num_samples = num_levels * num_points
    output = _BilinearRowSum.apply(
        rows.view(-1, 4, num_samples), table.view(num_rows, head_dims),
        weights.view(-1, 4, num_samples).to(table_dtype))
    return output.view(bs, num_queries, num_heads * head_dims)


@MODELS.register_module()
class FastCPUMultiScaleDeformableAttention(MultiScaleDeformableAttention):
    """mmcv's ``MultiScaleDeformableAttention`` with a fast CPU kernel.

    Same arguments, parameters, state-dict keys, initialisation and output as
    mmcv's module (checkpoints load strictly both ways); on CUDA / MLU it
    calls mmcv's compiled op exactly as mmcv does, elsewhere
    :func:`multi_scale_deformable_attn_cpu` instead of mmcv's
    ``multi_scale_deformable_attn_pytorch``. ``forward`` repeats mmcv's
    projections and sampling-location arithmetic because mmcv picks the
    kernel inside that method, with no hook to replace it.
    """

    @no_type_check
    @deprecated_api_warning({'residual': 'identity'},
                            cls_name='FastCPUMultiScaleDeformableAttention')
    def forward(self,
                query: torch.Tensor,
                key: Optional[torch.Tensor] = None,
                value: Optional[torch.Tensor] = None,
                identity: Optional[torch.Tensor] = None,
                query_pos: Optional[torch.Tensor] = None,
                key_padding_mask: Optional[torch.Tensor] = None,
                reference_points: Optional[torch.Tensor] = None,
                spatial_shapes: Optional[torch.Tensor] = None,
                level_start_index: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Deformable attention of ``query`` over the multi-level ``value``.

        Args:
            query (Tensor): (num_query, bs, embed_dims), or
                (bs, num_query, embed_dims) with ``batch_first``.
            key (Tensor, optional): unused, as in mmcv.
            value (Tensor, optional): (num_value, bs, embed_dims) (or batch
                first); ``query`` when None.
            identity (Tensor, optional): added to the output; ``query`` (before
                ``query_pos``) when None.
            query_pos (Tensor, optional): added to ``query``.
            key_padding_mask (Tensor, optional): (bs, num_value), True at
                padded value positions (zeroed).
            reference_points (Tensor): (bs, num_query, num_levels, 2)
                normalised points, or (..., 4) boxes (cx, cy, w, h).
            spatial_shapes (Tensor): (num_levels, 2) as (h, w).
            level_start_index (Tensor): (num_levels, ) first value index of
                every level.

        Returns:
            Tensor: same shape as ``query``.
        """
        if value is None:
            value = query
        if identity is None:
            identity = query
        if query_pos is not None:
            query = query + query_pos
        if not self.batch_first:
            query = query.permute(1, 0, 2)
            value = value.permute(1, 0, 2)
        bs, num_query, _ = query.shape
        num_value = value.shape[1]

        value = self.value_proj(value)
        if key_padding_mask is not None:
            value = value.masked_fill(key_padding_mask[..., None], 0.0)
        value = value.view(bs, num_value, self.num_heads, -1)
        sampling_offsets = self.sampling_offsets(query).view(
            bs, num_query, self.num_heads, self.num_levels, self.num_points, 2)
        attention_weights = self.attention_weights(query).view(
            bs, num_query, self.num_heads, self.num_levels * self.num_points)
        attention_weights = attention_weights.softmax(-1).view(
            bs, num_query, self.num_heads, self.num_levels, self.num_points)
        if reference_points.shape[-1] == 2:
            offset_normalizer = torch.stack(
                [spatial_shapes[..., 1], spatial_shapes[..., 0]], -1)
            sampling_locations = reference_points[:, :, None, :, None, :] \
                + sampling_offsets \
                / offset_normalizer[None, None, None, :, None, :]
        elif reference_points.shape[-1] == 4:
            sampling_locations = reference_points[:, :, None, :, None, :2] \
                + sampling_offsets / self.num_points \
                * reference_points[:, :, None, :, None, 2:] \
                * 0.5
        else:
            raise ValueError('reference_points must end with 2 (points) or 4 '
                             '(boxes) coordinates, got shape '
                             f'{tuple(reference_points.shape)}')
        if ((IS_CUDA_AVAILABLE and value.is_cuda)
                or (IS_MLU_AVAILABLE and value.is_mlu)):
            output = MultiScaleDeformableAttnFunction.apply(
                value, spatial_shapes, level_start_index, sampling_locations,
                attention_weights, self.im2col_step)
        else:
            output = multi_scale_deformable_attn_cpu(value, spatial_shapes,
                                                     sampling_locations,
                                                     attention_weights)
        output = self.output_proj(output)
        if not self.batch_first:
            output = output.permute(1, 0, 2)
        return self.dropout(output) + identity


def _switch_class(model: nn.Module, old: type, new: type) -> int:
    """Change the class of every module of exactly class ``old`` to ``new``
    (classes with the same parameters, buffers and attributes), in place;
    returns how many changed."""
    switched = 0
    for module in model.modules():
        if type(module) is old:
            module.__class__ = new
            switched += 1
    return switched


def use_fast_cpu_deform_attn(model: nn.Module) -> int:
    """Switch every mmcv ``MultiScaleDeformableAttention`` in ``model`` to
    :class:`FastCPUMultiScaleDeformableAttention`, in place.

    mmdet's DETR layers (``DeformableDetrTransformerEncoderLayer``,
    ``DinoTransformerDecoder``'s layers, ``MSDeformAttnPixelDecoder``...)
    construct mmcv's class directly rather than through the registry, so a
    config ``type=`` cannot reach them. The subclass adds no parameter,
    buffer or attribute, so changing the instances' class keeps parameters
    (and any optimizer already holding them), hooks and the state dict as
    they are. Modules that already are a subclass of mmcv's are left alone.

    Args:
        model (nn.Module): any module, typically a built mmdet detector.

    Returns:
        int: how many modules were switched.
    """
    return _switch_class(model, MultiScaleDeformableAttention,
                         FastCPUMultiScaleDeformableAttention)


def use_mmcv_deform_attn(model: nn.Module) -> int:
    """Switch every :class:`FastCPUMultiScaleDeformableAttention` in
    ``model`` back to mmcv's ``MultiScaleDeformableAttention`` (its
    pure-PyTorch path on CPU), in place: the inverse of
    :func:`use_fast_cpu_deform_attn`, e.g. to compare or time a model whose
    config builds our class (GLEE's) with mmcv's kernel.

    Args:
        model (nn.Module): any module.

    Returns:
        int: how many modules were switched.
    """
    return _switch_class(model, FastCPUMultiScaleDeformableAttention,
                         MultiScaleDeformableAttention)
