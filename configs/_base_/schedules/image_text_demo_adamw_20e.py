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
# The cosine entry leaves `end` and `T_max` unset: the runner sets `end` to
# the train loop's max_epochs and T_max = end - begin, so a variant changes
# its length with `train_cfg = dict(max_epochs=N)` alone.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=0.01, by_epoch=True, begin=1,
         convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=64)
