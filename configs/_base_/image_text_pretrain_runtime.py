# Runtime of image-text pretraining stages without validation (BEiT-3's
# masked data modelling, VLMo's image and text stages): a checkpoint every
# epoch (the next stage starts from the last one), no best-checkpoint
# selection, no momentum-distillation ramp.
_base_ = './image_text_runtime.py'
custom_hooks = [dict(type='CheckFiniteLossHook', interval=1)]
default_hooks = dict(checkpoint=dict(interval=1, save_best=None))
