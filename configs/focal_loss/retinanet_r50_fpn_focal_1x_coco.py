# RetinaNet-R50 on COCO 2017 (standard data/coco/ layout), 1x schedule, with
# our ExtendedFocalLoss in place of mmdet's FocalLoss. Not trained here.
# With a scalar alpha it computes what mmdet's does; for a per-class alpha
# generate the list from the COCO train annotations and set `alpha=[...]`
# (80 values):
#   python tools/analysis_tools/focal_alpha_from_frequencies.py \
#       data/coco/annotations/instances_train2017.json
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

default_scope = 'mmvision_plus'
custom_imports = dict(imports=['mmvision_plus'], allow_failed_imports=False)

# The model comes from an `mmdet::` base and is built in mmdet's scope, where
# our loss is named with its scope; its arguments are the base's.
model = dict(
    bbox_head=dict(loss_cls=dict(type='mmvision_plus.ExtendedFocalLoss')))
