# DINOv2 pretraining on your own images: every image file under
# data/my_images (any folder tree, any sizes; no labels, no lists). One GPU
# (or CPU), batch 64: lr 4e-3 * sqrt(64 / 1024) = 1e-3. Everything else as
# dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py; shorten max_iters (and the
# schedules) for small sets. Multi-GPU: tools/dist_train.sh CONFIG N and
# lr 4e-3 * sqrt(64 N / 1024).
_base_ = ['./dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py']
lr = 4e-3 * (64 / 1024)**0.5
min_lr = 1e-6
max_iters = 100 * 1250
warmup_iters = 10 * 1250
weight_decay, final_weight_decay = 0.04, 0.4
train_dataloader = dict(
    dataset=dict(data_root='data/my_images', data_prefix=''))
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-9, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min_ratio=min_lr / lr, by_epoch=False,
         begin=warmup_iters, end=max_iters, T_max=max_iters - warmup_iters),
    dict(type='CosineAnnealingParamScheduler', param_name='weight_decay',
         eta_min_ratio=final_weight_decay / weight_decay, by_epoch=False,
         begin=0, end=max_iters, T_max=max_iters),
]
