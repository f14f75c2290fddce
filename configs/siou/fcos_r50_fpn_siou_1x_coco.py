# fcos_r50_fpn_giou_1x_coco.py with our SIoU (paper formula) as the box loss
# (COCO 2017, 1x). Not trained here: the loadable real-data counterpart of
# fcos_r18_fpn_siou_1xb8-12e_demo-world.py. The model comes from an
# `mmdet::` base and is built in mmdet's scope, where our loss is named with
# its scope.
_base_ = './fcos_r50_fpn_giou_1x_coco.py'

model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            _delete_=True,
            type='mmvision_plus.PaperSIoULoss',
            theta=4.0,
            loss_weight=1.0)))
