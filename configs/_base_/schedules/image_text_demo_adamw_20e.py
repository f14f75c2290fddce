# From-scratch image-text schedule for the demo world, 20 epochs: AdamW,
# one linear warm-up epoch, cosine decay, gradient clipping. lr is
# set per config (15e: the same for 15 epochs); validation every 5
# epochs and at the end.
max_epochs = 20
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=5)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
    # bypass_duplicate: tied weights (word embeddings = output layer, BLIP's
    # decoder sharing the encoder's layers) are one parameter reached
    # through several modules
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.,
                       bypass_duplicate=True),
    clip_grad=dict(max_norm=5.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
