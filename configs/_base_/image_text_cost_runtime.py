# Runtime of the demo-world image-text models without momentum distillation
# whose test also measures the retrieval cost (RetrievalCostHook: ms per
# text query over the gallery, ms per gallery image, trainable parameters,
# written with the test metrics): image_text_runtime.py without the alpha
# ramp, checkpoints every 5 epochs.
_base_ = './image_text_runtime.py'
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='RetrievalMeanHook'),
    dict(type='RetrievalCostHook', num_queries=100),
]
default_hooks = dict(checkpoint=dict(interval=5))
