"""DINOv2 Vision Transformer that reproduces the official features.

Oquab et al., "DINOv2: Learning Robust Visual Features without Supervision",
2023; Darcet et al., "Vision Transformers Need Registers", 2024.

The module tree uses the official parameter names (``cls_token``,
``pos_embed``, ``register_tokens``, ``mask_token``, ``patch_embed.proj``,
``blocks.N.{norm1,attn.qkv,attn.proj,ls1.gamma,norm2,mlp.*,ls2.gamma}``,
``norm``) so that the published ``dinov2_*_pretrain.pth`` files load as they
are. Position embeddings are interpolated exactly as in the official code, so
features match the official ones at every input size, not only at 518 px.
The blocks are :class:`~mmvision_plus.models.layers.TransformerBlock` s
(LayerNorm eps 1e-6, GELU MLP or SwiGLU, LayerScale).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor

from mmvision_plus.models.layers import (PatchEmbed, TransformerBlock,
                                         resize_pos_embed, swiglu_hidden_dims)
from mmvision_plus.registry import MODELS
from mmvision_plus.utils.arg_checks import check_range

# Published architectures. ``ffn_hidden`` is the hidden width of the FFN: the
# MLP one for S/B/L, the SwiGLU one for g (``mlp.w12`` maps 1536 -> 2*4096).
ARCH_ZOO: Dict[str, dict] = {
    'small': dict(embed_dims=384, num_layers=12, num_heads=6,
                  ffn_type='mlp', ffn_hidden=1536),
    'base': dict(embed_dims=768, num_layers=12, num_heads=12,
                 ffn_type='mlp', ffn_hidden=3072),
    'large': dict(embed_dims=1024, num_layers=24, num_heads=16,
                  ffn_type='mlp', ffn_hidden=4096),
    'giant': dict(embed_dims=1536, num_layers=40, num_heads=24,
                  ffn_type='swiglu', ffn_hidden=4096),
}
ARCH_ALIASES = {'vits14': 'small', 'vitb14': 'base', 'vitl14': 'large',
                'vitg14': 'giant', 's': 'small', 'b': 'base', 'l': 'large',
                'g': 'giant'}
OUT_TYPES = ('featmap', 'cls_token', 'cls_patch_mean')


def resolve_arch(arch: Union[str, dict]) -> dict:
    """Turn an arch name, alias or dict into a full arch dict.

    Args:
        arch: ``'small' | 'base' | 'large' | 'giant'``, an alias
            (``'vits14'`` ...) or a dict with ``embed_dims``, ``num_layers``,
            ``num_heads`` and optionally ``ffn_type`` (``'mlp'`` or
            ``'swiglu'``) and ``ffn_hidden``.

    Returns:
        dict: ``embed_dims``, ``num_layers``, ``num_heads``, ``ffn_type``,
        ``ffn_hidden``.
    """
    if isinstance(arch, str):
        name = ARCH_ALIASES.get(arch.lower(), arch.lower())
        if name not in ARCH_ZOO:
            raise ValueError(
                f'DINOv2ViT: unknown arch {arch!r}; choose one of '
                f'{sorted(ARCH_ZOO)} or aliases {sorted(ARCH_ALIASES)}, or '
                'pass a dict(embed_dims, num_layers, num_heads, ...)')
        return dict(ARCH_ZOO[name])
    if not isinstance(arch, dict):
        raise TypeError(f'DINOv2ViT: arch must be a str or dict, got '
                        f'{type(arch).__name__}')
    missing = {'embed_dims', 'num_layers', 'num_heads'} - set(arch)
    if missing:
        raise ValueError(f'DINOv2ViT: custom arch dict lacks keys '
                         f'{sorted(missing)}')
    unknown = set(arch) - {'embed_dims', 'num_layers', 'num_heads',
                           'ffn_type', 'ffn_hidden'}
    if unknown:
        raise ValueError(f'DINOv2ViT: custom arch dict has unknown keys '
                         f'{sorted(unknown)}')
    out = dict(arch)
    out.setdefault('ffn_type', 'mlp')
    if out['ffn_type'] not in ('mlp', 'swiglu'):
        raise ValueError(f"DINOv2ViT: arch ffn_type must be 'mlp' or "
                         f"'swiglu', got {out['ffn_type']!r}")
    if 'ffn_hidden' not in out:
        dims = out['embed_dims']
        out['ffn_hidden'] = (4 * dims if out['ffn_type'] == 'mlp' else
                             swiglu_hidden_dims(dims))
    return out


def arch_name_of(embed_dims: int, num_layers: int) -> str:
    """Name of the published arch with these sizes, or a size description."""
    for name, cfg in ARCH_ZOO.items():
        if (cfg['embed_dims'], cfg['num_layers']) == (embed_dims, num_layers):
            return f"'{name}'"
    return f'custom (embed_dims={embed_dims}, num_layers={num_layers})'


@MODELS.register_module()
class DINOv2ViT(BaseModule):
    """DINOv2 ViT backbone with official keys, registers and interpolation.

    Token order is ``[cls, registers..., patches]``; ``pos_embed`` is added to
    ``[cls, patches]`` before the registers are inserted. For input sizes
    other than the checkpoint grid (``img_size / patch_size``), the patch
    position embeddings are resized bicubically in float32 exactly as the
    official code does: with ``interpolate_offset > 0`` through
    ``scale_factor=((h + offset) / M, (w + offset) / M)``, otherwise through
    ``size=(h, w)``; ``interpolate_antialias`` as given.

    Sizes that are not multiples of ``patch_size``: with
    ``pad_to_multiple=True`` (default) the input is zero-padded on the right
    and bottom to the next multiple (zero is the mean colour once the data
    preprocessor has normalised the image, and this is what timm's
    ``dynamic_img_pad`` does); the output grid is
    ``ceil(H / p) x ceil(W / p)``.
    With ``pad_to_multiple=False`` such inputs raise ``ValueError`` (the
    official code asserts).

    Args:
        arch: ``'small' | 'base' | 'large' | 'giant'``, aliases
            ``'vits14' | 'vitb14' | 'vitl14' | 'vitg14'``, or a dict
            ``(embed_dims, num_layers, num_heads, ffn_type='mlp'|'swiglu',
            ffn_hidden)``.
        patch_size: Patch side. Defaults to 14.
        img_size: Image side the position embeddings are stored for
            (checkpoints: 518 -> 37 x 37 grid).
        in_channels: Input channels. Defaults to 3.
        num_register_tokens: 0, or 4 for the ``_reg4`` checkpoints.
        interpolate_offset: Offset of the official scale-factor
            interpolation. ``None`` follows the official variant: 0.1 without
            registers, 0.0 (size-based) with registers.
        interpolate_antialias: ``None`` follows the official variant: False
            without registers, True with registers.
        drop_path_rate: Stochastic depth of the last block; block i of L
            gets ``drop_path_rate * i / (L - 1)`` (the official linear rule;
            pretraining uses 0.3-0.4). Defaults to 0 (no drop path).
        layer_scale_init: Initial LayerScale value (official: 1e-5), or
            None for blocks without LayerScale (no ``lsN.gamma`` keys; the
            official checkpoints then do not load).
        out_indices: Blocks whose outputs ``forward`` returns (negative
            indices count from the end).
        out_type: ``'featmap'`` -> (B, C, H/p, W/p); ``'cls_token'`` ->
            (B, C); ``'cls_patch_mean'`` -> (B, 2C), the cls token
            concatenated with the mean patch token (official linear probe).
        norm_out: Apply the final LayerNorm to every ``forward`` output (as
            the official ``get_intermediate_layers(norm=True)``).
        frozen_stages: -1: nothing frozen; 0: embeddings and tokens; k > 0:
            also the first k blocks (k == num_layers: also the final norm).
            Frozen parts stay in eval mode and have no gradients.
        frozen: Freeze the whole backbone (eval mode, no gradients), also
            after ``.train()``.
        pad_to_multiple: See above.
        with_cp: Gradient checkpointing of every block in training.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads an
            official checkpoint with a strict key/shape/arch check (see
            :meth:`load_official_state_dict`). Without it the weights are
            initialised as in the official code.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'small',
                 patch_size: int = 14,
                 img_size: int = 518,
                 in_channels: int = 3,
                 num_register_tokens: int = 0,
                 interpolate_offset: Optional[float] = None,
                 interpolate_antialias: Optional[bool] = None,
                 drop_path_rate: float = 0.,
                 layer_scale_init: Optional[float] = 1e-5,
                 out_indices: Union[int, Sequence[int]] = (-1, ),
                 out_type: str = 'featmap',
                 norm_out: bool = True,
                 frozen_stages: int = -1,
                 frozen: bool = False,
                 pad_to_multiple: bool = True,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch_settings = resolve_arch(arch)
        self.arch = arch
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.patch_size = patch_size
        self.in_channels = in_channels
        if img_size % patch_size:
            raise ValueError(f'DINOv2ViT: img_size {img_size} must be a '
                             f'multiple of patch_size {patch_size}')
        self.img_size = img_size
        if num_register_tokens < 0:
            raise ValueError('DINOv2ViT: num_register_tokens must be >= 0, '
                             f'got {num_register_tokens}')
        self.num_register_tokens = num_register_tokens
        with_reg = num_register_tokens > 0
        self.interpolate_offset = (0.0 if with_reg else 0.1) \
            if interpolate_offset is None else float(interpolate_offset)
        self.interpolate_antialias = with_reg \
            if interpolate_antialias is None else bool(interpolate_antialias)
        if out_type not in OUT_TYPES:
            raise ValueError(f'DINOv2ViT: out_type must be one of '
                             f'{OUT_TYPES}, got {out_type!r}')
        self.out_type = out_type
        self.norm_out = norm_out
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        if not out_indices:
            raise ValueError('DINOv2ViT: out_indices must not be empty')
        self.out_indices = tuple(
            self._check_block_index(i, 'out_indices') for i in out_indices)
        self.frozen_stages = check_range(frozen_stages, 'DINOv2ViT',
                                         'frozen_stages', -1, self.num_layers)
        self.frozen = frozen
        self.pad_to_multiple = pad_to_multiple
        self.with_cp = with_cp

        dims = self.embed_dims
        grid = img_size // patch_size
        self.patch_embed = PatchEmbed(in_channels, dims, patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, dims))
        if with_reg:
            self.register_tokens = nn.Parameter(
                torch.zeros(1, num_register_tokens, dims))
        else:
            self.register_tokens = None
        # Stochastic depth grows linearly over the blocks (official rule).
        dpr = torch.linspace(0, drop_path_rate, self.num_layers,
                             device='cpu').tolist()  # also on meta
        self.blocks = nn.ModuleList([
            TransformerBlock(
                dims, self.arch_settings['num_heads'],
                ffn_hidden_dims=self.arch_settings['ffn_hidden'],
                ffn_type=self.arch_settings['ffn_type'],
                norm_cfg=dict(type='LN', eps=1e-6),
                layer_scale_init=layer_scale_init, drop_path=rate)
            for rate in dpr
        ])
        self.norm = nn.LayerNorm(dims, eps=1e-6)
        self.mask_token = nn.Parameter(torch.zeros(1, dims))
        self._official_init()
        self._freeze()

    # ------------------------------------------------------------------ init
    def _check_block_index(self, index: int, name: str) -> int:
        if not -self.num_layers <= index < self.num_layers:
            raise ValueError(f'DINOv2ViT: {name} entry {index} is out of '
                             f'range for {self.num_layers} blocks')
        return index % self.num_layers

    def _official_init(self) -> None:
        """Initialise as ``DinoVisionTransformer.init_weights``."""
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        if self.register_tokens is not None:
            nn.init.normal_(self.register_tokens, std=1e-6)
        nn.init.zeros_(self.mask_token)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def init_weights(self) -> None:
        """Load the ``Pretrained`` checkpoint strictly, or initialise.

        A ``dict(type='Pretrained', checkpoint=PATH)`` init_cfg goes through
        :meth:`load_official_state_dict` (mmengine's generic loader would
        accept partial matches); any other init_cfg is applied by mmengine on
        top of the official initialisation.
        """
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            ckpt = CheckpointLoader.load_checkpoint(
                cfg['checkpoint'], map_location='cpu')
            self.load_official_state_dict(ckpt, source=cfg['checkpoint'])
            self._is_init = True
            return
        self._official_init()
        super().init_weights()

    def load_official_state_dict(self, checkpoint: dict,
                                 source: str = 'checkpoint') -> None:
        """Load an official-layout state dict with a strict check.

        Args:
            checkpoint: The published file's content: a flat state dict, or
                one nested under ``'model'`` or ``'state_dict'`` (converted
                files).
            source: Name used in error messages (the file path).

        Raises:
            ValueError: When the checkpoint is of another arch, has register
                tokens while the model has none (or the reverse), has shape
                mismatches, missing or unused keys. The message lists all
                offenders.
        """
        state_dict = checkpoint
        for key in ('model', 'state_dict'):
            if isinstance(state_dict, dict) and key in state_dict and \
                    isinstance(state_dict[key], dict):
                state_dict = state_dict[key]
                break
        if not isinstance(state_dict, dict) or \
                'patch_embed.proj.weight' not in state_dict:
            raise ValueError(
                f'{source}: not a DINOv2 checkpoint in the official layout '
                "(no 'patch_embed.proj.weight'); convert timm / mmpretrain "
                'files with tools/model_converters/'
                '{timm,mmpretrain}2dinov2.py')
        prefix = 'blocks.'
        depth = 1 + max((int(k.split('.')[1]) for k in state_dict
                         if k.startswith(prefix)), default=-1)
        proj = state_dict['patch_embed.proj.weight']
        ckpt_dims = proj.shape[0]
        model_desc = (f"arch {arch_name_of(self.embed_dims, self.num_layers)}"
                      f' (embed_dims={self.embed_dims}, '
                      f'num_layers={self.num_layers})')
        if (ckpt_dims, depth) != (self.embed_dims, self.num_layers):
            raise ValueError(
                f'{source}: checkpoint is DINOv2 arch '
                f'{arch_name_of(ckpt_dims, depth)} (embed_dims={ckpt_dims}, '
                f'{depth} blocks) but the model was built with {model_desc}')
        if proj.shape[1] != self.in_channels:
            raise ValueError(
                f'{source}: checkpoint patch_embed.proj takes {proj.shape[1]} '
                f'input channels, model has in_channels={self.in_channels}')
        ckpt_reg = state_dict['register_tokens'].shape[1] \
            if 'register_tokens' in state_dict else 0
        if ckpt_reg != self.num_register_tokens:
            if ckpt_reg == 0:
                hint = ('it has no register_tokens (a non-register '
                        'checkpoint): build with num_register_tokens=0')
            else:
                hint = (f'it has {ckpt_reg} register tokens: build with '
                        f'num_register_tokens={ckpt_reg}')
            raise ValueError(
                f'{source}: the model expects num_register_tokens='
                f'{self.num_register_tokens} but {hint}')
        own = self.state_dict()
        missing = sorted(set(own) - set(state_dict))
        unused = sorted(set(state_dict) - set(own))
        mismatched = sorted(
            f'{k}: checkpoint {tuple(state_dict[k].shape)} vs model '
            f'{tuple(own[k].shape)}' for k in set(own) & set(state_dict)
            if state_dict[k].shape != own[k].shape)
        if missing or unused or mismatched:
            lines = [f'{source}: checkpoint does not match DINOv2ViT '
                     f'{model_desc}, num_register_tokens='
                     f'{self.num_register_tokens}, img_size={self.img_size}:']
            if missing:
                lines.append(f'  missing keys: {missing}')
            if unused:
                lines.append(f'  unused keys: {unused}')
            if mismatched:
                lines.append(f'  shape mismatches: {mismatched}')
            if 'pos_embed' in state_dict:
                n = state_dict['pos_embed'].shape[1] - 1
                side = math.isqrt(n)
                if side * side == n and side * self.patch_size != \
                        self.img_size:
                    lines.append(f'  pos_embed is stored for a {side}x{side} '
                                 f'grid: build with img_size='
                                 f'{side * self.patch_size}')
            raise ValueError('\n'.join(lines))
        self.load_state_dict(state_dict, strict=True)

    # ---------------------------------------------------------------- freeze
    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen:
            return [self]
        if self.frozen_stages < 0:
            return []
        mods: List[nn.Module] = [self.patch_embed]
        mods += list(self.blocks[:self.frozen_stages])
        if self.frozen_stages == self.num_layers:
            mods.append(self.norm)
        return mods

    def _freeze(self) -> None:
        if not self.frozen and self.frozen_stages < 0:
            return
        tokens = [self.cls_token, self.pos_embed, self.mask_token]
        if self.register_tokens is not None:
            tokens.append(self.register_tokens)
        for param in tokens:
            param.requires_grad = False
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'DINOv2ViT':
        """Set train mode, keeping the frozen parts in eval mode."""
        super().train(mode and not self.frozen)
        if not self.frozen:
            for module in self._frozen_modules():
                module.eval()
        return self

    # --------------------------------------------------------------- forward
    def interpolate_pos_encoding(self, grid_h: int, grid_w: int,
                                 dtype: torch.dtype) -> Tensor:
        """Position embeddings for a ``grid_h x grid_w`` patch grid.

        Args:
            grid_h: Patch rows.
            grid_w: Patch columns.
            dtype: dtype of the tokens they are added to (the official code
                casts the interpolated table to it).

        Returns:
            Tensor: (1, 1 + grid_h * grid_w, C), cls slot first.
        """
        side = math.isqrt(self.pos_embed.shape[1] - 1)
        if (grid_h, grid_w) == (side, side):
            return self.pos_embed
        return resize_pos_embed(self.pos_embed, (grid_h, grid_w),
                                self.interpolate_antialias,
                                self.interpolate_offset).to(dtype)

    def _pad_input(self, x: Tensor) -> Tensor:
        """Check (B, C, H, W) and pad H, W to multiples of the patch size."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'DINOv2ViT expects images of shape (B, {self.in_channels}, '
                f'H, W), got {tuple(x.shape)}')
        h, w = x.shape[-2:]
        p = self.patch_size
        pad_h, pad_w = (-h) % p, (-w) % p
        if pad_h or pad_w:
            if not self.pad_to_multiple:
                raise ValueError(
                    f'DINOv2ViT: input size {h}x{w} is not a multiple of the '
                    f'patch size {p}; resize the input or build the backbone '
                    'with pad_to_multiple=True (zero padding right/bottom)')
            x = F.pad(x, (0, pad_w, 0, pad_h))
        return x

    def prepare_tokens_with_masks(
            self,
            x: Tensor,
            masks: Optional[Tensor] = None) -> Tuple[Tensor, Tuple[int, int]]:
        """Embed images into ``[cls, registers, patches]`` tokens.

        Args:
            x: (B, C_in, H, W) images.
            masks: Optional (B, N) bool, True where the patch embedding is
                replaced by ``mask_token`` (iBOT masking).

        Returns:
            tuple: tokens (B, 1 + R + N, C) and the patch grid (h, w).
        """
        x = self._pad_input(x)
        grid = (x.shape[-2] // self.patch_size, x.shape[-1] // self.patch_size)
        x = self.patch_embed(x)
        if masks is not None:
            if masks.shape != x.shape[:2]:
                raise ValueError(
                    f'DINOv2ViT: masks must have shape (B, N) = '
                    f'{tuple(x.shape[:2])} for a {grid[0]}x{grid[1]} patch '
                    f'grid, got {tuple(masks.shape)}')
            x = torch.where(masks.unsqueeze(-1),
                            self.mask_token.to(x.dtype).unsqueeze(0), x)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(*grid, dtype=x.dtype)
        if self.register_tokens is not None:
            x = torch.cat((x[:, :1],
                           self.register_tokens.expand(x.shape[0], -1, -1),
                           x[:, 1:]), dim=1)
        return x, grid

    def _run_blocks(
            self,
            x: Tensor,
            take: Sequence[int],
            masks: Optional[Tensor] = None
    ) -> Tuple[List[Tensor], Tuple[int, int]]:
        """Embed images and run the blocks up to the last one in ``take``.

        Embedding here (not in the callers) lets each block's input be freed
        as soon as the block has run.

        Args:
            x: (B, C_in, H, W) images.
            take: Block indices whose outputs are returned.
            masks: Optional (B, N) bool patch mask.

        Returns:
            tuple: the ``take`` outputs (B, 1 + R + N, C) in block order and
            the patch grid (h, w).
        """
        x, grid = self.prepare_tokens_with_masks(x, masks)
        take = set(take)
        outs = []
        use_cp = self.with_cp and self.training and torch.is_grad_enabled()
        for i, blk in enumerate(self.blocks[:max(take) + 1]):
            if use_cp:
                x = cp.checkpoint(blk, x, use_reentrant=False)
            else:
                x = blk(x)
            if i in take:
                outs.append(x)
        return outs, grid

    def forward_features(self,
                         x: Tensor,
                         masks: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Official ``forward_features``.

        Args:
            x: (B, C_in, H, W) images.
            masks: Optional (B, N) bool patch mask (see
                :meth:`prepare_tokens_with_masks`).

        Returns:
            dict: ``x_norm_clstoken`` (B, C), ``x_norm_regtokens``
            (B, R, C), ``x_norm_patchtokens`` (B, N, C), ``x_prenorm``
            (B, 1 + R + N, C) and ``masks`` as given.
        """
        x = self._run_blocks(x, [self.num_layers - 1], masks)[0][0]
        x_norm = self.norm(x)
        r = self.num_register_tokens
        return {
            'x_norm_clstoken': x_norm[:, 0],
            'x_norm_regtokens': x_norm[:, 1:r + 1],
            'x_norm_patchtokens': x_norm[:, r + 1:],
            'x_prenorm': x,
            'masks': masks,
        }

    def get_intermediate_layers(
        self,
        x: Tensor,
        n: Union[int, Sequence[int]] = 1,
        reshape: bool = False,
        return_class_token: bool = False,
        norm: bool = True
    ) -> Tuple[Union[Tensor, Tuple[Tensor, Tensor]], ...]:
        """Official ``get_intermediate_layers``.

        Args:
            x: (B, C_in, H, W) images.
            n: The last ``n`` blocks (int) or these block indices.
            reshape: Return patch tokens as (B, C, h, w) maps instead of
                (B, N, C).
            return_class_token: Pair every output with its cls token (B, C).
            norm: Apply the final LayerNorm.

        Returns:
            tuple: Patch tokens per block (registers dropped), or
            ``(patch_tokens, cls_token)`` pairs.
        """
        if isinstance(n, int):
            if not 1 <= n <= self.num_layers:
                raise ValueError(f'DINOv2ViT: n={n} must be in '
                                 f'[1, {self.num_layers}]')
            take = list(range(self.num_layers - n, self.num_layers))
        else:
            take = [self._check_block_index(i, 'n') for i in n]
        outputs, grid = self._run_blocks(x, take)
        if norm:
            outputs = [self.norm(out) for out in outputs]
        class_tokens = [out[:, 0] for out in outputs]
        outputs = [out[:, 1 + self.num_register_tokens:] for out in outputs]
        if reshape:
            outputs = [
                out.reshape(out.shape[0], *grid, -1).permute(0, 3, 1,
                                                             2).contiguous()
                for out in outputs
            ]
        if return_class_token:
            return tuple(zip(outputs, class_tokens))
        return tuple(outputs)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Features of the ``out_indices`` blocks.

        Args:
            x: (B, C_in, H, W) images.

        Returns:
            tuple: One tensor per out index: (B, C, ceil(H/p), ceil(W/p)) for
            ``'featmap'``, (B, C) for ``'cls_token'``, (B, 2C) for
            ``'cls_patch_mean'``.
        """
        outputs, grid = self._run_blocks(x, self.out_indices)
        by_block = dict(zip(sorted(set(self.out_indices)), outputs))
        results = []
        for index in self.out_indices:
            out = by_block[index]
            if self.norm_out:
                out = self.norm(out)
            patches = out[:, 1 + self.num_register_tokens:]
            if self.out_type == 'featmap':
                out = patches.reshape(out.shape[0], *grid, -1).permute(
                    0, 3, 1, 2).contiguous()
            elif self.out_type == 'cls_token':
                out = out[:, 0]
            else:
                out = torch.cat((out[:, 0], patches.mean(dim=1)), dim=-1)
            results.append(out)
        return tuple(results)
