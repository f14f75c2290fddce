# DINOv2 linear probe on the demo world's object crops.
# No DINOv2 weights can be downloaded here: the frozen backbone is a tiny
# DINOv2-architecture ViT (192-d, 6 blocks, patch 14) with its official
# random initialisation, so the number it reaches measures the toolkit and
# the crops, not DINOv2. The ImageNet config is the real recipe.
_base_ = [
    '../_base_/datasets/demo_world_crops.py',
    '../_base_/default_runtime.py'
]
vit_tiny = dict(embed_dims=192, num_layers=6, num_heads=3)

model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='DINOv2ViT',
        arch=vit_tiny,
        img_size=168,
        frozen=True,
        out_indices=(-1, ),
        out_type='cls_patch_mean',
        norm_out=True),
    # [cls ; mean patch] of the last block: 2 x 192.
    neck=dict(type='DINOv2LinearNeck', use_avgpool=True),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=8,
        in_channels=384,
        loss=dict(type='mmpretrain.CrossEntropyLoss'),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01)))

# Linear classifier only (the backbone has no trainable parameter):
# SGD + cosine as in the official linear evaluation.
max_epochs = 6
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
         begin=0, end=max_epochs, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=max_epochs),
    visualization=dict(type='mmpretrain.VisualizationHook', enable=False))
