# RetinaNet-R18 (from scratch, 128-ch FPN) on the demo world with our
# ExtendedFocalLoss and a per-class alpha from the class frequencies of the
# train split. Data, schedule and runtime are the demo FCOS's.
_base_ = [
    '../_base_/models/retinanet_r18_fpn_demo.py',
    '../_base_/datasets/demo_world_detection.py',
    '../_base_/schedules/schedule_demo_12e.py',
    '../_base_/default_runtime.py'
]

# Inverse class frequency (instances per class in
# data/demo_world/annotations/instances_train.json, demo world format 4,
# seed 0), scaled to a mean of 0.25, in class order circle, square,
# triangle, star, hexagon, ellipse, cross, diamond; produced by
#   python tools/analysis_tools/focal_alpha_from_frequencies.py \
#       data/demo_world/annotations/instances_train.json
# (instances: 184, 229, 166, 167, 184, 185, 207, 175).
class_alpha = [0.252, 0.202, 0.279, 0.277, 0.252, 0.250, 0.224, 0.265]

# use_sigmoid (from the base) must stay given: the head reads it to size
# its classifier without a background channel.
model = dict(
    bbox_head=dict(
        loss_cls=dict(type='ExtendedFocalLoss', alpha=class_alpha)))
