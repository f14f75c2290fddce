# Linear monocular depth on frozen DINOv2-architecture features, demo world
# (the paper's "lin. 1" head: last block + cls token, x4 upsampling, BN,
# 256 uniform depth bins with linear normalisation, SiLog loss). The
# backbone is a tiny ViT (192-d, 6 blocks, patch 14) with the official
# random initialisation: no DINOv2 weights are downloadable here.
_base_ = [
    '../_base_/models/dinov2-lindepth_vit-t14.py',
    '../_base_/datasets/demo_world_depth.py',
    '../_base_/schedules/probe_adamw_4e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    head=dict(min_depth={{_base_.min_depth}},
              max_depth={{_base_.max_depth}}))

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval={{_base_.max_epochs}}),
    visualization=dict(draw=False))
