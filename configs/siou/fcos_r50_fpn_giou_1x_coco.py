# FCOS-R50 (mmdet's caffe-R50, GN head, center sampling, normed bbox,
# centerness on reg) on COCO 2017 (standard data/coco/ layout), 1x schedule,
# with GIoU as the box loss. Not trained here: the loadable real-data
# counterpart of fcos_r18_fpn_giou_1xb8-12e_demo-world.py. The CIoU and SIoU
# configs change only `loss_bbox` of this one.
_base_ = 'mmdet::fcos/fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_1x_coco.py'  # noqa: E501

default_scope = 'mmvision_plus'
custom_imports = dict(imports=['mmvision_plus'], allow_failed_imports=False)

model = dict(
    bbox_head=dict(
        loss_bbox=dict(_delete_=True, type='GIoULoss', loss_weight=1.0)))
