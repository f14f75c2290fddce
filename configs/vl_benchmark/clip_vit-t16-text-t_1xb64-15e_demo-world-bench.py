# CLIP's demo-world config on the family benchmark's budget: 15 epochs (its
# own README config trains 20) with the same warm-up + cosine schedule, and
# the test also records the retrieval cost per text query
# (RetrievalCostHook).
_base_ = '../clip/clip_vit-t16-text-t_1xb64-20e_demo-world.py'
max_epochs = 15
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='RetrievalMeanHook'),
    dict(type='RetrievalCostHook', num_queries=100),
]
