# DINOv2 pretraining on your own images: every image file under
# data/my_images (any folder tree, any sizes; no labels, no lists). One GPU
# (or CPU), batch 64: lr 4e-3 * sqrt(64 / 1024) = 1e-3. Everything else as
# dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py; shorten max_iters (and the
# schedules) for small sets. Multi-GPU: tools/dist_train.sh CONFIG N and
# lr 4e-3 * sqrt(64 N / 1024).
_base_ = ['./dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py']
lr = 4e-3 * (64 / 1024)**0.5
min_lr = 1e-6
train_dataloader = dict(
    dataset=dict(data_root='data/my_images', data_prefix=''))
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], eta_min_ratio=min_lr / lr),
    _base_.param_scheduler[2],
]
