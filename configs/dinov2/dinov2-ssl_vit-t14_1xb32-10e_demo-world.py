# DINOv2 self-supervised pretraining of the demo world's tiny ViT/14 (192-d,
# 6 blocks, 3 heads; the stand-in backbone of the frozen-feature demos, with
# the same 12 x 12 position grid so the exported teacher loads into them)
# on the demo world's unlabelled images: the 1150 object crops and the 480
# scenes of the train split. Same algorithm and schedule shape as the
# ViT-S/14 config, scaled to a 2-core CPU: 56 px global crops (4 x 4
# patches), 4 local crops of 28 px, 1024 prototypes with a 512-wide head,
# Sinkhorn-Knopp targets, 10 epochs of 50 iterations at batch 32 (sized
# for about 12 minutes on 2 idle CPU cores, i.e. about 1.4 s per iteration;
# check with tools/analysis_tools/benchmark_dinov2_ssl.py). Longer runs:
# raise max_epochs (the schedules follow it).
# After training, export the teacher for the frozen-feature configs
# (*-t14-ssl_*):
#   python tools/model_converters/dinov2_ssl2official.py \
#       work_dirs/dinov2-ssl_vit-t14_demo/epoch_10.pth \
#       work_dirs/dinov2-ssl_vit-t14_demo/teacher_backbone.pth
_base_ = [
    '../_base_/models/dinov2-ssl_vit-s14.py',
    '../_base_/datasets/dinov2-ssl_imagenet.py',
    '../_base_/schedules/dinov2-ssl_adamw_100x1250i.py'
]
max_epochs = 10
batch_size = 32
epoch_length = 1600 // batch_size  # 1630 images, drop_last
max_iters = max_epochs * epoch_length
warmup_iters = 1 * epoch_length
lr = 4e-3 * (batch_size / 1024)**0.5
min_lr = 1e-6
num_prototypes = 1024

model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(arch=dict(_delete_=True, embed_dims=192, num_layers=6,
                            num_heads=3),
                  img_size=168, drop_path_rate=0.1),
    dino_head=dict(num_prototypes=num_prototypes, hidden_channels=512,
                   bottleneck_channels=128),
    dino_loss=dict(centering='sinkhorn_knopp'),
    ibot_loss=dict(centering='sinkhorn_knopp'))

crop_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='DINOv2MultiCrop', global_crop_size=56, local_crop_size=28,
         num_local_crops=4, global_crop_scale=(0.32, 1.0),
         local_crop_scale=(0.05, 0.32)),
    dict(type='mmpretrain.PackInputs'),
]
data_root = 'data/demo_world'
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(type='mmpretrain.CustomDataset', data_root=data_root,
                 data_prefix='crops/train', with_label=False,
                 pipeline=crop_pipeline),
            dict(type='mmpretrain.CustomDataset', data_root=data_root,
                 data_prefix='images/train', with_label=False,
                 pipeline=crop_pipeline),
        ]))

optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], end=warmup_iters),
    dict(_base_.param_scheduler[1], eta_min_ratio=min_lr / lr,
         begin=warmup_iters, end=max_iters, T_max=max_iters - warmup_iters),
    dict(_base_.param_scheduler[2], end=max_iters, T_max=max_iters),
]
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop',
                 max_epochs=max_epochs)
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='TeacherTempWarmupHook', start=0.04, end=0.07,
         warmup_epochs=3),
    dict(type='FreezeLastLayerHook', freeze_epochs=1),
    dict(type='SubmoduleGradClipHook', max_norm=3.0),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=5,
                    max_keep_ckpts=2, save_last=True))
log_processor = dict(by_epoch=True)
