# Linear depth probe schedule: AdamW, linear warm-up then polynomial decay
# over 38400 iterations. Not verified against the paper's (unpublished in
# detail) recipe. Iteration-based: configs set the checkpoint hook and log
# processor by_epoch=False.
max_iters = 38400
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=1e-2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=1600),
    dict(type='PolyLR', power=1.0, eta_min=1e-8, by_epoch=False,
         begin=1600, end=max_iters)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=4800)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
