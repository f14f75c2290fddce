# MDRL paper schedule: SGD (momentum 0.9, weight decay 0.01), lr 7e-5,
# 10 linear warm-up epochs, 150 epochs. The decay after warm-up is not
# stated; cosine to 0 (IRRA's choice) is used.
max_epochs = 150
warmup_epochs = 10
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=7e-5, momentum=0.9, weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True)
]
# lr 7e-5 is for 1 process x 64 pairs.
auto_scale_lr = dict(enable=False, base_batch_size=64)
