# GLEE (small, R18, from scratch) on the demo world's instances: detection
# + instance segmentation with the 8 class names as the text prompt; COCO
# box and mask mAP on demo val.
_base_ = [
    '../_base_/models/glee_r18_demo.py',
    '../_base_/datasets/glee_demo_world.py',
    '../_base_/schedules/glee_demo_adamw_12e.py',
    '../_base_/default_runtime.py'
]
