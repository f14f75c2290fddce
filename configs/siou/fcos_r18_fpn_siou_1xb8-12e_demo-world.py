# SIoU comparison 3/3: the demo FCOS-R18 with our SIoU loss (paper formula;
# mmdet's `SIoULoss` defaults to the non-paper exp(+gamma * rho) form).
# Everything but `loss_bbox` is the demo config (same seed, data, schedule).
_base_ = '../demo/fcos_r18_fpn_gn-head_1xb8-12e_demo-world.py'

model = dict(
    bbox_head=dict(
        loss_bbox=dict(
            _delete_=True, type='PaperSIoULoss', theta=4.0, loss_weight=1.0)))
