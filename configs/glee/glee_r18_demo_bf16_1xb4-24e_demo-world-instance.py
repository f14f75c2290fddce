# The demo GLEE instance config (glee_r18_demo_1xb4-12e_demo-world-instance.py)
# in bfloat16 autocast on the CPU: a training step takes about 0.52 s on 2
# threads instead of 0.84 in float32 (the first 100 iterations, with the
# same losses to the second digit), so 24 epochs (2,880 iterations) fit the
# 30-minute budget that holds 16 in float32. The lr steps stay at 2/3 and
# 11/12 of training (epochs 16 and 22).
_base_ = './glee_r18_demo_1xb4-12e_demo-world-instance.py'
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_epochs, milestones=[16, 22])
]
optim_wrapper = dict(type='CPUAutocastOptimWrapper', dtype='bfloat16')
