# DINOv2 ViT-S/14 linear depth on NYU-Depth v2, the paper's "lin. 4"
# protocol: frozen backbone, blocks (2, 5, 8, 11) each with its cls token
# concatenated (4 x 2 x 384 channels), x4 upsampling, BN, 1x1 conv to 256
# uniform bins over [1e-3, 10] m with linear normalisation (as the released
# dinov2_vits14_nyu_linear4_head). Paper: RMSE 0.417 (ViT-S lin.).
# Needs checkpoints/dinov2_vits14_pretrain.pth (official file). Never run
# here (no NYU data, no official weights).
_base_ = [
    '../_base_/models/dinov2-lindepth_vit-s14.py',
    '../_base_/datasets/nyu_depth.py',
    '../_base_/schedules/dinov2-lindepth_adamw_38400i.py',
    '../_base_/default_runtime.py',
    '../_base_/models/backbones/dinov2_vit-s14_pretrained.py'
]
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(init_cfg=_base_.dinov2_vits14_pretrained),
    layers=(2, 5, 8, 11),
    head=dict(num_inputs=4, min_depth={{_base_.min_depth}},
              max_depth={{_base_.max_depth}}))

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4800),
    visualization=dict(draw=False))
log_processor = dict(by_epoch=False)
