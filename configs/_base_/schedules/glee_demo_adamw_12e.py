# From-scratch GLEE schedule for the demo world: AdamW (DETR family), linear
# warm-up, step decay at 2/3 and 11/12 of training (the official 44/48 of
# 50-epoch steps), gradient clipping; backbone and text encoder at the base
# lr (they start from random weights here). Sized for ~30 minutes of
# training on 2 CPU cores at batch 4 (120 iterations per epoch).
max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=200),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs,
         milestones=[8, 11], gamma=0.1)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=dict(max_norm=1.0, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=4)
