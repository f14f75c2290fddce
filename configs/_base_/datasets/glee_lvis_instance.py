# LVIS v1 instances for GLEE: each training image is prompted with its
# positive classes plus random negatives up to 100 names (official
# MAX_CATEGORY_LEN, dn table 'obj365' as the official lvis task), with
# repeat-factor sampling (mmdet's ClassBalancedDataset, threshold 1e-3);
# testing prompts all 1203 names, top 300 detections (official). Layout:
#   data/lvis_v1/annotations/lvis_v1_{train,val}.json,
#   data/lvis_v1/{train,val}2017/ (the COCO images)
# LVISMetric needs the `lvis` package.
_base_ = './glee_coco_instance.py'

data_root = 'data/lvis_v1/'
lvis_prompts = dict(type='FormatGLEEPrompts', task='instance',
                    dn_table='obj365', max_classes=100)


def _lvis(pipeline):
    return [lvis_prompts if t['type'] == 'FormatGLEEPrompts' else t
            for t in pipeline]


train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=1e-3,
        dataset=dict(
            type='LVISV1Dataset',
            data_root=data_root,
            ann_file='annotations/lvis_v1_train.json',
            data_prefix=dict(img=''),
            filter_cfg=dict(filter_empty_gt=True, min_size=32),
            return_classes=True,
            pipeline=_lvis(_base_.train_pipeline))))
val_dataloader = dict(
    dataset=dict(
        type='LVISV1Dataset',
        data_root=data_root,
        ann_file='annotations/lvis_v1_val.json',
        data_prefix=dict(img=''),
        pipeline=[dict(t, max_classes=None)
                  if t['type'] == 'FormatGLEEPrompts' else t
                  for t in _lvis(_base_.test_pipeline)]))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='LVISMetric',
    ann_file=data_root + 'annotations/lvis_v1_val.json',
    metric=['bbox', 'segm'])
test_evaluator = val_evaluator
