# The SIoU run of the SIoU comparison on the 6-epoch schedule: the GIoU run
# with our SIoU loss (paper formula).
_base_ = './fcos_r18_fpn_giou_1xb8-6e_demo-world.py'

model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            _delete_=True, type='PaperSIoULoss', theta=4.0, loss_weight=1.0)))
