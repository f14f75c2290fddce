# RefCOCO (UNC splits) for GLEE grounding: one expression, one object per
# sample (RefCocoGroundingDataset on mmdet's RefCOCO layout):
#   data/coco/refcoco/instances.json, data/coco/refcoco/refs(unc).p,
#   data/coco/train2014/*.jpg
# RefCOCO+ / RefCOCOg: configs/glee/*_refcoco+.py / *_refcocog.py change
# the folder and split file. REC Prec@0.5, RES mIoU / cIoU on val.
_base_ = ['./det_loaders.py', './glee_meta_keys.py']

data_root = 'data/coco/'
glee_prompts = dict(type='FormatGLEEPrompts', task='grounding',
                    dn_table='grounding')
# no flip: expressions say "left" and "right"
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize',
         scales=[(480, 1333), (512, 1333), (544, 1333), (576, 1333),
                 (608, 1333), (640, 1333)],
         keep_ratio=True),
    glee_prompts,
    dict(type='PackDetInputs', meta_keys=_base_.glee_meta_keys)
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(1333, 640), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    glee_prompts,
    dict(type='PackDetInputs', meta_keys=_base_.glee_meta_keys)
]
refcoco = dict(
    type='RefCocoGroundingDataset',
    data_root=data_root,
    ann_file='refcoco/instances.json',
    split_file='refcoco/refs(unc).p',
    data_prefix=dict(img='train2014/'))
train_dataloader = dict(
    dataset=dict(refcoco, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(refcoco, split='val', test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ReferringExpressionMetric')
test_evaluator = val_evaluator
