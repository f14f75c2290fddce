# The demo detector: FCOS-R18 from scratch on the demo world (160 px).
# `make demo` trains it, then re-evaluates the saved checkpoint.
_base_ = [
    '../_base_/models/fcos_r18_fpn_gn-head_demo.py',
    '../_base_/datasets/demo_world_detection.py',
    '../_base_/schedules/schedule_demo_12e.py',
    '../_base_/default_runtime.py'
]
