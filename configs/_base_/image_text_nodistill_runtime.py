# image_text_runtime.py for the models without momentum distillation (the
# CLIP demo, ViLT / VLMo / BEiT-3 fine-tuning, the zero-shot protocol,
# image_text_cost_runtime.py): the same hooks without the alpha ramp (there
# is no distill.alpha to warm up).
_base_ = './image_text_runtime.py'
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='RetrievalMeanHook'),
]
