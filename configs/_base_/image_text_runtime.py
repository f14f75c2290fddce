# Runtime of the image-text models: the default runtime plus
# RetrievalMeanHook (per-K means of both directions and r_mean after every
# retrieval evaluation), the alpha ramp of momentum distillation (ALBEF /
# BLIP: distill.alpha from 0 to its configured value over the first epoch;
# image_text_nodistill_runtime.py drops this hook) and best-checkpoint
# selection by r_mean.
_base_ = './default_runtime.py'
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='RetrievalMeanHook'),
    dict(type='mmpretrain.WarmupParamHook', param_name='alpha',
         module_name='distill', warmup_epochs=1),
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1, max_keep_ckpts=1, save_best='r_mean',
                    rule='greater'))
