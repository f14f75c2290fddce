# The demo detector that `make demo` trains: FCOS-R18 from scratch on the demo
# world, tuned to fit a 10-minute budget on 2 CPU cores.
#
# Same model and data as fcos_r18_fpn_gn-head_1xb8-12e_demo-world.py (the
# recipe the loss comparisons use); what differs, measured on demo world v4:
#   batch 8, lr 1e-3, 12 epochs (720 iters), fp32 ......... box mAP 0.243
#   batch 4, lr 2e-3, 12 epochs (1440 iters), fp32 ........ box mAP 0.292
#   batch 4, lr 2e-3, 16 epochs (1920 iters), bf16 autocast  see README.md
# From scratch the detector underfits (train-set mAP ~ val mAP), so more,
# smaller steps help; bf16 autocast on the CPU makes each step ~17% cheaper.
_base_ = './fcos_r18_fpn_gn-head_1xb8-12e_demo-world.py'

max_epochs = 16
train_dataloader = dict(batch_size=4)
train_cfg = dict(max_epochs=max_epochs)
# the base's warm-up, its cosine decay spread over max_epochs
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], T_max=max_epochs, end=max_epochs)
]
# bfloat16 autocast on the CPU (`tools/train.py --amp` does the same).
optim_wrapper = dict(type='CPUAutocastOptimWrapper', dtype='bfloat16',
                     optimizer=dict(lr=2e-3))
auto_scale_lr = dict(base_batch_size=4)
