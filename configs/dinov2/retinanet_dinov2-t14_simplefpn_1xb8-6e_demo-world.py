# RetinaNet on a plain patch-14 ViT (DINOv2 architecture) through the
# ViTDet-style SimpleFPN, demo world (160 px scenes, 8 shape classes).
# No DINOv2 weights are downloadable here: the tiny ViT (192-d, 6 blocks)
# trains from its official random initialisation together with neck and
# head. The COCO config is the real recipe with the official checkpoint.
_base_ = [
    '../_base_/models/retinanet_r18_fpn_demo.py',
    '../_base_/datasets/demo_world_detection.py',
    '../_base_/schedules/schedule_demo_6e.py',
    '../_base_/default_runtime.py'
]
vit_tiny = dict(embed_dims=192, num_layers=6, num_heads=3)
# Levels declared at strides 8..128 (those of the base's anchors);
# SimpleFPN resamples the stride-14 map to the ceil(H / s) grids these
# strides imply (see its docstring).
strides = [8, 16, 32, 64, 128]

model = dict(
    backbone=dict(
        _delete_=True,
        type='DINOv2ViT',
        arch=vit_tiny,
        # 160 px inputs are padded to 168 = 12 x 14: the stored grid.
        img_size=168,
        drop_path_rate=0.1,
        out_indices=(-1, ),
        out_type='featmap'),
    # A light neck and head (64 channels, one conv per branch) keep a
    # training iteration near 1 s on 2 shared CPU cores.
    neck=dict(_delete_=True, type='SimpleFPN', in_channels=192,
              out_channels=64, strides=strides),
    bbox_head=dict(in_channels=64, stacked_convs=1, feat_channels=64))

# The demo world's 6-epoch schedule at lr 3e-3, without weight decay on
# the position embedding and cls token, a 100-iteration warm-up and a
# single validation at the end.
optim_wrapper = dict(
    optimizer=dict(lr=3e-3),
    paramwise_cfg=dict(custom_keys=dict(pos_embed=dict(decay_mult=0.),
                                        cls_token=dict(decay_mult=0.))))
max_epochs = 6
train_cfg = dict(val_interval=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], end=100), _base_.param_scheduler[1]
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
