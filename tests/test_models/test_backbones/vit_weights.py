"""Random ViT weights for tests (shared by the backbone and neck tests)."""
import math

import torch


def randomize_(module: torch.nn.Module, seed: int = 0) -> None:
    """Give every parameter a non-trivial random value (timm/our default
    init has LayerScale 1e-5, which would make the blocks near-identity)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if name.endswith(('gamma', 'gamma1.weight', 'gamma2.weight')):
                p.copy_(0.25 + 0.5 * torch.rand(p.shape, generator=g))
            elif p.dim() == 1 and ('norm' in name or 'ln' in name) and \
                    name.endswith('weight'):
                p.copy_(1 + 0.1 * noise)
            elif p.dim() == 1:
                p.copy_(0.02 * noise)
            elif name.split('.')[-1] in ('pos_embed', 'cls_token',
                                         'reg_token', 'register_tokens',
                                         'mask_token'):
                p.copy_(0.5 * noise)
            else:
                p.copy_(noise / math.sqrt(p[0].numel()))
