# SIoU comparison, baseline 2/3: the demo FCOS-R18 with mmdet's CIoU loss.
# Everything but `loss_bbox` is the demo config (same seed, data, schedule).
_base_ = '../demo/fcos_r18_fpn_gn-head_1xb8-12e_demo-world.py'

model = dict(
    bbox_head=dict(
        loss_bbox=dict(_delete_=True, type='CIoULoss', loss_weight=1.0)))
