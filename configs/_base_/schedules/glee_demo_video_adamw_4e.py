# Fine-tuning the demo GLEE from its image checkpoint (video, visual
# prompts): glee_demo_adamw_12e.py at the official fine-tuning lr 1e-4 for 4
# epochs of 120 iterations (videos: 24 clips x 10 / batch 2), a short
# warm-up from 0.1 and x0.1 at 3/4 of training (the official video stage:
# 6k of 8k iterations).
_base_ = './glee_demo_adamw_12e.py'

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=0.1, end=50),
    dict(_base_.param_scheduler[1], end=max_epochs, milestones=[3])
]
optim_wrapper = dict(optimizer=dict(lr=1e-4))
auto_scale_lr = dict(base_batch_size=2)
