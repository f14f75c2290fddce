# GLEE grounding on the demo world, fine-tuned from the 16-epoch instance
# checkpoint instead of trained from scratch: the image side already knows
# the scenes, so mostly the expression -> object alignment is left to
# learn. One epoch of the 4491 training expressions (1123 iterations at
# batch 4, ~15 min here) of the fine-tuning schedule (lr 1e-4, cosine).
_base_ = [
    './glee_r18_demo_1xb4-4e_demo-world-refcoco.py',
    '../_base_/schedules/glee_demo_finetune_pieces.py'
]
# the instance checkpoint of
# configs/glee/glee_r18_demo_1xb4-16e_demo-world-instance.py
load_from = 'work_dirs/glee_r18_demo_1xb4-16e_demo-world-instance/epoch_16.pth'
max_epochs = 1
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    _base_.finetune_warmup,
    dict(_base_.finetune_cosine, end=max_epochs, T_max=max_epochs)
]
optim_wrapper = dict(optimizer=dict(lr=_base_.finetune_lr))
