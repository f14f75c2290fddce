# Runtime of the demo-world image-text models without momentum distillation
# whose test also measures the retrieval cost (RetrievalCostHook: ms per
# text query over the gallery, ms per gallery image, trainable parameters,
# written with the test metrics): image_text_nodistill_runtime.py plus
# that hook, checkpoints every 5 epochs.
_base_ = './image_text_nodistill_runtime.py'
custom_hooks = _base_.custom_hooks + [
    dict(type='RetrievalCostHook', num_queries=100)
]
default_hooks = dict(checkpoint=dict(interval=5))
