# Linear semantic segmentation on frozen DINOv2-architecture features, demo
# world (background + 8 shapes). As for the other demo-world frozen-feature
# configs, the backbone is a tiny ViT (192-d, 6 blocks, patch 14) with the
# official random initialisation (no DINOv2 weights are downloadable here):
# the result measures the pipeline, not DINOv2.
_base_ = [
    '../_base_/datasets/demo_world_semseg.py',
    '../_base_/default_runtime.py'
]
vit_tiny = dict(embed_dims=192, num_layers=6, num_heads=3)

model = dict(
    type='FrozenFeatureDenseModel',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(type='DINOv2ViT', arch=vit_tiny, img_size=168,
                  frozen=True),
    # Official "linear": last block, final LayerNorm, patch tokens only.
    layers=1,
    norm_features=True,
    head=dict(type='DINOv2LinearSegHead', num_classes=9, in_channels=192,
              num_inputs=1))

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
