# From-scratch schedule for the demo world: AdamW, linear warm-up then
# cosine, gradient clipping (no pretrained weights can be downloaded here).
max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=200),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min_ratio=0.01,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=dict(max_norm=10, norm_type=2))

# Learning rate of 1e-3 is for 1 process x 8 images.
auto_scale_lr = dict(enable=False, base_batch_size=8)
