# DINOv2's official linear evaluation: 12500 iterations at batch 1024
# (8 x 128), SGD momentum 0.9, no weight decay, cosine decay; the paper
# picks the lr from a grid (0.001 for 1024 images is a typical winner).
# Iteration-based: configs set the checkpoint hook and log processor
# by_epoch=False.
max_iters = 12500
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_iters, by_epoch=False,
         begin=0, end=max_iters)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=1250)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=1024)
