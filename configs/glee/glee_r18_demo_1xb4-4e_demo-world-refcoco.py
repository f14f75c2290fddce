# GLEE grounding on the demo world's referring expressions: the expression
# is the prompt and its tokens join the decoder's self-attention; REC
# accuracy (IoU >= 0.5), RES mIoU and cIoU on the val split.
_base_ = [
    '../_base_/models/glee_r18_demo.py',
    '../_base_/datasets/glee_demo_world.py',
    '../_base_/schedules/glee_demo_adamw_12e.py',
    '../_base_/default_runtime.py'
]
# 4491 training expressions (3 per object), 1123 iterations per epoch at
# batch 4: 4 epochs are ~4500 iterations, about an hour here
max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_epochs, milestones=[3])
]
train_dataloader = dict(
    dataset=dict(_delete_=True, **_base_.refcoco_train_dataset))
val_dataloader = dict(
    dataset=dict(_delete_=True, **_base_.refcoco_val_dataset))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.refcoco_evaluator)
test_evaluator = val_evaluator
