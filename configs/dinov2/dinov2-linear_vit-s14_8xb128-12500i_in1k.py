# DINOv2 ViT-S/14 linear probe on ImageNet-1k (frozen backbone, the official
# feature: cls token concatenated with the mean patch token of the last
# block). Needs the official checkpoint file as published:
#   checkpoints/dinov2_vits14_pretrain.pth
# Paper: 81.1 top-1 (its best over a learning-rate grid).
_base_ = [
    '../_base_/datasets/imagenet_dinov2_linear.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='DINOv2ViT',
        arch='small',
        img_size=518,
        frozen=True,
        out_indices=(-1, ),
        out_type='cls_patch_mean',
        norm_out=True,
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/dinov2_vits14_pretrain.pth')),
    neck=dict(type='DINOv2LinearNeck', use_avgpool=True),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=1000,
        in_channels=2 * 384,
        loss=dict(type='mmpretrain.CrossEntropyLoss'),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01)))

# Official linear eval: 12500 iterations at batch 1024 (8 x 128), SGD
# momentum 0.9, no weight decay, cosine; lr picked from a grid (0.001 for
# 1024 images is a typical winner).
max_iters = 12500
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=1250)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_iters, by_epoch=False,
         begin=0, end=max_iters)
]
auto_scale_lr = dict(enable=False, base_batch_size=1024)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1250),
    visualization=dict(type='mmpretrain.VisualizationHook', enable=False))
log_processor = dict(by_epoch=False)
