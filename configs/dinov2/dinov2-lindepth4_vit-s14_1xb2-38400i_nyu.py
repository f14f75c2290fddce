# DINOv2 ViT-S/14 linear depth on NYU-Depth v2, the paper's "lin. 4"
# protocol: frozen backbone, blocks (2, 5, 8, 11) each with its cls token
# concatenated (4 x 2 x 384 channels), x4 upsampling, BN, 1x1 conv to 256
# uniform bins over [1e-3, 10] m with linear normalisation (as the released
# dinov2_vits14_nyu_linear4_head). Paper: RMSE 0.417 (ViT-S lin.).
# Needs checkpoints/dinov2_vits14_pretrain.pth (official file).
_base_ = [
    '../_base_/datasets/nyu_depth.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='FrozenFeatureDenseModel',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='DINOv2ViT',
        arch='small',
        img_size=518,
        frozen=True,
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/dinov2_vits14_pretrain.pth')),
    layers=(2, 5, 8, 11),
    norm_features=False,
    head=dict(
        type='DINOv2LinearDepthHead',
        in_channels=384,
        num_inputs=4,
        with_cls_token=True,
        upsample=4,
        classify=True,
        n_bins=256,
        bins_strategy='UD',
        norm_strategy='linear',
        min_depth={{_base_.min_depth}},
        max_depth={{_base_.max_depth}},
        loss=dict(type='SiLogLoss')))

# Schedule: AdamW, linear warm-up then polynomial decay over 38400
# iterations. Not verified against the paper's (unpublished in detail)
# recipe, and never run here (no NYU data, no official weights).
max_iters = 38400
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=4800)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=1e-2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=1600),
    dict(type='PolyLR', power=1.0, eta_min=1e-8, by_epoch=False,
         begin=1600, end=max_iters)
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4800),
    visualization=dict(draw=False))
log_processor = dict(by_epoch=False)
