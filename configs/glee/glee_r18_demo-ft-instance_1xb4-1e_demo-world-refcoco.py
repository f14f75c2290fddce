# GLEE grounding on the demo world, fine-tuned from the 16-epoch instance
# checkpoint instead of trained from scratch: the image side already knows
# the scenes, so mostly the expression -> object alignment is left to
# learn. One epoch of the 4491 training expressions (1123 iterations at
# batch 4, ~15 min here) at the fine-tuning lr of the video and interactive
# configs (1e-4, warm-up from 0.1 over 50 iterations), cosine-decayed per
# iteration.
_base_ = './glee_r18_demo_1xb4-4e_demo-world-refcoco.py'

# the instance checkpoint of
# configs/glee/glee_r18_demo_1xb4-16e_demo-world-instance.py
load_from = 'work_dirs/glee_r18_demo_1xb4-16e_demo-world-instance/epoch_16.pth'
max_epochs = 1
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=0.1, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         T_max=max_epochs, eta_min=1e-6, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=1e-4))
