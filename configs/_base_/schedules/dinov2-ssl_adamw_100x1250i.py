# DINOv2 pretraining schedule, official defaults (ssl_default_config.yaml):
# "epochs" of 1250 iterations (OFFICIAL_EPOCH_LENGTH), 100 of them; AdamW
# (0.9, 0.999), lr = 4e-3 * sqrt(total batch / 1024) (set here for
# 8 x 64 = 512 images: 2.83e-3; recompute for another batch), linear
# warm-up over 10 epochs then cosine to 1e-6; weight decay cosine
# 0.04 -> 0.4 (biases, norms and LayerScale without decay); layer-wise lr
# decay 0.9 and patch-embedding lr x 0.2; last layers of the heads at lr 0
# for the first epoch; gradient norm clipped at 3.0 per student part;
# teacher temperature 0.04 -> 0.07 over 30 epochs.
_base_ = ['../default_runtime.py']
epoch_length = 1250
max_iters = 100 * epoch_length
warmup_iters = 10 * epoch_length
lr = 4e-3 * (512 / 1024)**0.5
min_lr = 1e-6
weight_decay, final_weight_decay = 0.04, 0.4

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, betas=(0.9, 0.999),
                   weight_decay=weight_decay),
    constructor='DINOv2LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.9, patch_embed_lr_mult=0.2,
                       flat_decay_mult=0.0))
param_scheduler = [
    # mmengine's LinearLR reaches lr at iteration end - 1, as the official
    # linspace(0, lr, warmup); its start factor must be > 0
    dict(type='LinearLR', start_factor=1e-9, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min_ratio=min_lr / lr, by_epoch=False,
         begin=warmup_iters, end=max_iters, T_max=max_iters - warmup_iters),
    dict(type='CosineAnnealingParamScheduler', param_name='weight_decay',
         eta_min_ratio=final_weight_decay / weight_decay, by_epoch=False,
         begin=0, end=max_iters, T_max=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='TeacherTempWarmupHook', start=0.04, end=0.07,
         warmup_iters=30 * epoch_length),
    dict(type='FreezeLastLayerHook', freeze_iters=epoch_length),
    dict(type='SubmoduleGradClipHook', max_norm=3.0),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=3 * epoch_length, max_keep_ckpts=3,
                    save_last=True),
    visualization=dict(type='mmpretrain.VisualizationHook', enable=False))
log_processor = dict(by_epoch=False)
