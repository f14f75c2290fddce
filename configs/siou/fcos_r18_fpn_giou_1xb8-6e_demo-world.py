# The GIoU run of the SIoU comparison on the 6-epoch schedule (the one
# measured here; 2 shared CPU cores did not leave room for three 12-epoch
# runs): fcos_r18_fpn_giou_1xb8-12e_demo-world.py with the cosine schedule
# shortened to 6 epochs and a validation every 2 epochs. The CIoU and SIoU
# runs change only `loss_bbox` of this config.
_base_ = [
    '../_base_/models/fcos_r18_fpn_gn-head_demo.py',
    '../_base_/datasets/demo_world_detection.py',
    '../_base_/schedules/schedule_demo_6e.py',
    '../_base_/default_runtime.py'
]
