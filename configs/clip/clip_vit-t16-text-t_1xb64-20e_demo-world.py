# CLIP on the demo world (480 training scenes): the demo CLIP
# (_base_/models/clip_vit-t16-text-t_demo.py), AdamW lr 5e-4, batch 64,
# 20 epochs.
_base_ = [
    '../_base_/models/clip_vit-t16-text-t_demo.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_20e.py',
    '../_base_/image_text_nodistill_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=5))
