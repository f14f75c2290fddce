# From-scratch GLEE schedule for the demo world: schedule_demo_12e.py with
# GLEE's (DETR family) warm-up from 0.01 and step decay at 2/3 and 11/12 of
# training (the official 44/48 of 50-epoch steps), lr 2e-4 and gradient
# clipping at norm 1; backbone and text encoder at the base lr (they start
# from random weights here). Sized for ~30 minutes of training on 2 CPU
# cores at batch 4 (120 iterations per epoch).
_base_ = './schedule_demo_12e.py'
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=0.01),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=_base_.max_epochs,
         milestones=[8, 11], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=2e-4), clip_grad=dict(max_norm=1.0))
auto_scale_lr = dict(base_batch_size=4)
