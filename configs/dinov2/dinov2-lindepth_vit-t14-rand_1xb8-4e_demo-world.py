# Linear monocular depth on frozen DINOv2-architecture features, demo world
# (the paper's "lin. 1" head: last block + cls token, x4 upsampling, BN,
# 256 uniform depth bins with linear normalisation, SiLog loss). The
# backbone is a tiny ViT (192-d, 6 blocks, patch 14) with the official
# random initialisation: no DINOv2 weights are downloadable here.
_base_ = [
    '../_base_/datasets/demo_world_depth.py',
    '../_base_/default_runtime.py'
]
vit_tiny = dict(embed_dims=192, num_layers=6, num_heads=3)

model = dict(
    type='FrozenFeatureDenseModel',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(type='DINOv2ViT', arch=vit_tiny, img_size=168,
                  frozen=True),
    layers=1,
    # The official depth heads read un-normalised block outputs.
    norm_features=False,
    head=dict(
        type='DINOv2LinearDepthHead',
        in_channels=192,
        num_inputs=1,
        with_cls_token=True,
        upsample=4,
        classify=True,
        n_bins=256,
        bins_strategy='UD',
        norm_strategy='linear',
        min_depth={{_base_.min_depth}},
        max_depth={{_base_.max_depth}},
        loss=dict(type='SiLogLoss')))

max_epochs = 4
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
         begin=0, end=max_epochs, convert_to_iter_based=True)
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=max_epochs),
    visualization=dict(draw=False))
