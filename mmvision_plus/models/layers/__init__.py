from .ms_deform_attn import (FastCPUMultiScaleDeformableAttention,
                             multi_scale_deformable_attn_cpu,
                             use_fast_cpu_deform_attn)

__all__ = [
    'FastCPUMultiScaleDeformableAttention', 'multi_scale_deformable_attn_cpu',
    'use_fast_cpu_deform_attn'
]
