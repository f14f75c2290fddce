# BLIP on the demo world (480 training scenes): the demo BLIP
# (_base_/models/blip_vit-t16-med-t_demo.py), AdamW lr 5e-4, batch 64,
# 15 epochs (about 1.9 CPU s per iteration single-threaded, so 18
# minutes). Validation is retrieval; the same checkpoint is scored as a
# captioner with the -caption config.
_base_ = [
    '../_base_/models/blip_vit-t16-med-t_demo.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_15e.py',
    '../_base_/image_text_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=5))
