# From-scratch image-text schedule for the demo world, 20 epochs:
# image_text_finetune_adamw_5e.py (AdamW, weight decay 0.05, tied weights
# bypassed) without weight decay on norms and biases, one linear warm-up
# epoch, cosine decay to 1 % of lr, gradient clipping at norm 5. lr is set
# per config (15e: the same for 15 epochs); validation every 5 epochs and
# at the end.
_base_ = './image_text_finetune_adamw_5e.py'
max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(
    optimizer=dict(lr=5e-4),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=dict(max_norm=5.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=64)
