"""The input side of the plain ViTs whose first token is [CLS]."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from .patch_embed import PatchEmbed


class ClsTokenViT(BaseModule):
    """Base of the ViT encoders with timm's input tokens: ``patch_embed``
    (:class:`PatchEmbed`), a learned ``cls_token`` put first and, optionally,
    an absolute ``pos_embed`` over [CLS] and the patches (ALBEF / BLIP's
    ViT, ViLT's, VLMo's Multiway Transformer). The parameter names are
    timm's, so official checkpoints keep their keys. A subclass builds its
    blocks.

    Args:
        img_size (int): Input side in pixels (a multiple of
            ``patch_size``).
        patch_size (int): Patch side.
        embed_dims (int): Token width C.
        abs_pos_embed (bool): Build ``pos_embed`` (1, 1 + N, C); False
            leaves it None (positions from elsewhere, e.g. a relative
            bias).
        init_cfg (dict, optional): Initialisation config.

    Raises:
        ValueError: ``img_size`` not a multiple of ``patch_size``.
    """

    def __init__(self,
                 img_size: int,
                 patch_size: int,
                 embed_dims: int,
                 abs_pos_embed: bool,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if img_size % patch_size:
            raise ValueError(f'{type(self).__name__}: img_size {img_size} is '
                             f'not a multiple of patch_size {patch_size}')
        self.img_size, self.patch_size = img_size, patch_size
        self.grid = (img_size // patch_size, ) * 2
        self.num_patches = self.grid[0] * self.grid[1]
        self.embed_dims = embed_dims
        self.patch_embed = PatchEmbed(3, embed_dims, patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(
            torch.zeros(1, 1 + self.num_patches, embed_dims)) \
            if abs_pos_embed else None

    def embed(self,
              images: Tensor,
              patch_mask: Optional[Tensor] = None,
              mask_token: Optional[Tensor] = None) -> Tensor:
        """Patch tokens with [CLS] first and ``pos_embed`` (if any) added,
        (B, 1 + N, C): the input of the blocks.

        Args:
            images (Tensor): (B, 3, img_size, img_size).
            patch_mask (Tensor, optional): Bool (B, N): patches replaced by
                ``mask_token`` (masked image modelling).
            mask_token (Tensor, optional): (1, 1, C).

        Raises:
            ValueError: Images of another size.
        """
        if images.shape[-2:] != (self.img_size, self.img_size):
            raise ValueError(f'{type(self).__name__} expects {self.img_size} '
                             f'px images, got {tuple(images.shape[-2:])}')
        x = self.patch_embed(images)
        if patch_mask is not None:
            x = torch.where(patch_mask[..., None], mask_token.to(x), x)
        x = torch.cat([self.cls_token.expand(x.size(0), -1, -1), x], dim=1)
        if self.pos_embed is not None:
            x = x + self.pos_embed
        return x
