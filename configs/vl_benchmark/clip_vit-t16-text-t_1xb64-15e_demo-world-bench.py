# CLIP's demo-world config on the family benchmark's budget: 15 epochs (its
# own README config trains 20) with the same warm-up + cosine schedule, and
# the test also records the retrieval cost per text query
# (RetrievalCostHook).
_base_ = '../clip/clip_vit-t16-text-t_1xb64-20e_demo-world.py'
max_epochs = 15
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = _base_.custom_hooks + [
    dict(type='RetrievalCostHook', num_queries=100)
]
