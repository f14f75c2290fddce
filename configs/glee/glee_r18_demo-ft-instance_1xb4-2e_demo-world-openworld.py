# Open-world GLEE on the demo world fine-tuned from the 16-epoch instance
# checkpoint: the 12-epoch open-world config's data and metric (one prompt,
# "object"; class-agnostic AR@1/10/100) for 2 epochs of the fine-tuning
# schedule (lr 1e-4, cosine).
_base_ = [
    './glee_r18_demo_1xb4-12e_demo-world-openworld.py',
    '../_base_/schedules/glee_demo_finetune_pieces.py'
]
# the instance checkpoint of
# configs/glee/glee_r18_demo_1xb4-16e_demo-world-instance.py
load_from = 'work_dirs/glee_r18_demo_1xb4-16e_demo-world-instance/epoch_16.pth'
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.finetune_warmup,
    dict(_base_.finetune_cosine, end=max_epochs, T_max=max_epochs)
]
optim_wrapper = dict(optimizer=dict(lr=_base_.finetune_lr))
