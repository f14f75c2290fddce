# The official GLEE-Lite image schedule (base_clip_teacher_image_R50.yaml):
# 90k iterations at 16 images (8 GPUs x 2), AdamW lr 1e-4, wd 0.05, x0.1 at
# 79.2k and 86.4k, linear warm-up over 100 iterations from 0.01, backbone
# lr x 0.1 (text encoder x 0.1 in the joint stage), full-model gradient
# clipping at norm 0.01, mixed precision (tools/train.py --amp). With the
# runtime: iteration-based checkpoints and logs.
_base_ = '../default_runtime.py'

max_iters = 90000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=3700)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[79200, 86400], gamma=0.1)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1),
            'text_encoder.clip': dict(lr_mult=0.1)
        }),
    clip_grad=dict(max_norm=0.01, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=3700, max_keep_ckpts=3))
log_processor = dict(by_epoch=False)
