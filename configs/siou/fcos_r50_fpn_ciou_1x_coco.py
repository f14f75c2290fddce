# fcos_r50_fpn_giou_1x_coco.py with CIoU as the box loss (COCO 2017, 1x).
# Not trained here: the loadable real-data counterpart of
# fcos_r18_fpn_ciou_1xb8-12e_demo-world.py.
_base_ = './fcos_r50_fpn_giou_1x_coco.py'

model = dict(
    bbox_head=dict(
        loss_bbox=dict(_delete_=True, type='CIoULoss', loss_weight=1.0)))
