# RetinaNet-R50 on COCO 2017 (standard data/coco/ layout), 1x schedule, with
# our FocalLoss in place of mmdet's. Not trained here. With a scalar alpha
# it computes what mmdet's does; for a per-class alpha generate the list
# from the COCO train annotations and set `alpha=[...]` (80 values):
#   python tools/analysis_tools/focal_alpha_from_frequencies.py \
#       data/coco/annotations/instances_train2017.json
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

default_scope = 'mmvision_plus'
custom_imports = dict(imports=['mmvision_plus'], allow_failed_imports=False)

# The `mmdet::` base prefixes its types with `mmdet.`, so the head builds its
# losses in mmdet's scope: name ours with its scope.
model = dict(
    bbox_head=dict(
        loss_cls=dict(
            _delete_=True,
            type='mmvision_plus.FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0)))
