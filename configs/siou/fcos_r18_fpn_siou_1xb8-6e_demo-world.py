# The SIoU run of the SIoU comparison on a 6-epoch schedule (the one measured
# here; 2 shared CPU cores did not leave room for three 12-epoch runs):
# fcos_r18_fpn_siou_1xb8-12e_demo-world.py with the cosine schedule shortened
# to 6 epochs and a validation every 2 epochs.
_base_ = './fcos_r18_fpn_siou_1xb8-12e_demo-world.py'

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.001,
        by_epoch=False,
        begin=0,
        end=200),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.01,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
