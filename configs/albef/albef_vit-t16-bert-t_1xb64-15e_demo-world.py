# ALBEF on the demo world (480 training scenes, 2,400 captions): the demo
# ALBEF (_base_/models/albef_vit-t16-bert-t_demo.py), AdamW lr 5e-4, batch
# 64, 15 epochs (about 1.7 CPU s per iteration single-threaded, so 16
# minutes; --amp (bf16) halves it).
_base_ = [
    '../_base_/models/albef_vit-t16-bert-t_demo.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_15e.py',
    '../_base_/image_text_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=5))
