# High-resolution adaptation of a DINOv2 run (the paper's short final
# phase at 518 px): continue the ViT-S/14 run of
# dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py from its last checkpoint
# (student, EMA teacher and the centering state; load_from) with 518 px
# global crops (37 x 37 patches; the 16 x 16 position table is
# interpolated) and 98 px local crops, for 10000 iterations. The official
# code does not publish this phase's schedule; here: lr warm-up over 1000
# iterations to a tenth of the main run's peak, cosine to 1e-6, weight decay
# at its final 0.4, teacher temperature 0.07, teacher momentum 0.994 -> 1
# (the EMA schedule restarts with the iteration count). Not trained here.
_base_ = ['./dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py']
load_from = 'work_dirs/dinov2-ssl_vit-s14_8xb64-100x1250i_in1k/iter_125000.pth'
max_iters = 10000
warmup_iters = 1000
lr = 0.1 * 4e-3 * (256 / 1024)**0.5
min_lr = 1e-6
global_crop_size = 518

model = dict(teacher_momentum=0.994)
train_dataloader = dict(
    batch_size=32,
    dataset=dict(pipeline=[
        dict(type='StrictLoadImageFromFile'),
        dict(type='DINOv2MultiCrop', global_crop_size=global_crop_size,
             local_crop_size=98, num_local_crops=8,
             global_crop_scale=(0.32, 1.0), local_crop_scale=(0.05, 0.32)),
        dict(type='mmpretrain.PackInputs'),
    ]))
optim_wrapper = dict(optimizer=dict(lr=lr, weight_decay=0.4))
param_scheduler = [
    dict(_base_.param_scheduler[0], end=warmup_iters),
    dict(_base_.param_scheduler[1], eta_min_ratio=min_lr / lr,
         begin=warmup_iters, end=max_iters, T_max=max_iters - warmup_iters),
]
train_cfg = dict(max_iters=max_iters)
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='TeacherTempWarmupHook', start=0.07, end=0.07,
         warmup_iters=0),
    dict(type='SubmoduleGradClipHook', max_norm=3.0),
]
default_hooks = dict(checkpoint=dict(interval=2500))
