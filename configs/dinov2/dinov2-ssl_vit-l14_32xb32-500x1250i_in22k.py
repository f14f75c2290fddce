# DINOv2 self-supervised pretraining of a ViT-L/14 on ImageNet-22k-style
# folders, the official recipe dinov2/configs/train/vitl14.yaml: SwiGLU FFN
# (hidden 2736), drop path 0.4, separate DINO and iBOT heads with 131072
# prototypes (DINO bottleneck 384), Sinkhorn-Knopp targets, teacher momentum
# 0.994 -> 1, 500 "epochs" of 1250 iterations with 80 of warm-up, base lr
# 2e-4 at 1024 images (32 GPUs x 32 = 1024: lr 2e-4), weight decay
# 0.04 -> 0.2, no layer-wise lr decay. Not trained here.
_base_ = ['./dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py']
# the base's 1250-iteration "epochs", final lr and initial weight decay
max_iters = 500 * _base_.epoch_length
warmup_iters = 80 * _base_.epoch_length
lr = 2e-4 * (1024 / 1024)**0.5
final_weight_decay = 0.2
num_prototypes = 131072
sinkhorn = dict(centering='sinkhorn_knopp')

model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=1024, num_layers=24,
                            num_heads=16, ffn_type='swiglu'),
                  drop_path_rate=0.4),
    dino_head=dict(num_prototypes=num_prototypes, bottleneck_channels=384),
    ibot_head=dict(_delete_=True, type='DINOv2ProjectionHead',
                   num_prototypes=num_prototypes, hidden_channels=2048,
                   bottleneck_channels=256, num_layers=3),
    dino_loss=sinkhorn,
    ibot_loss=sinkhorn,
    teacher_momentum=0.994)
data_root = 'data/imagenet22k'
train_dataloader = dict(batch_size=32,
                        dataset=dict(data_root=data_root, data_prefix=''))
optim_wrapper = dict(optimizer=dict(lr=lr),
                     paramwise_cfg=dict(layer_decay_rate=1.0))
param_scheduler = [
    dict(_base_.param_scheduler[0], end=warmup_iters),
    dict(_base_.param_scheduler[1], eta_min_ratio=_base_.min_lr / lr,
         begin=warmup_iters, end=max_iters, T_max=max_iters - warmup_iters),
    dict(_base_.param_scheduler[2],
         eta_min_ratio=final_weight_decay / _base_.weight_decay,
         end=max_iters,
         T_max=max_iters),
]
train_cfg = dict(max_iters=max_iters)
