# ALBEF's demo-world config for the family benchmark: the same model and
# 15-epoch budget; the test also records the retrieval cost per text query
# (RetrievalCostHook).
_base_ = '../albef/albef_vit-t16-bert-t_1xb64-15e_demo-world.py'
custom_hooks = _base_.custom_hooks + [
    dict(type='RetrievalCostHook', num_queries=100)
]
