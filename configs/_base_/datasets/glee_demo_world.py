# The demo world for GLEE: instances (demo_world_detection.py with masks,
# the class names as prompts) as the default dataloaders, plus the
# referring expressions (RefCOCO layout: refcoco/instances.json,
# refcoco/refs(unc).p) as `refcoco_*` pieces for grounding and joint
# configs. Prompts are set per sample by FormatGLEEPrompts and packed with
# the usual meta keys.
_base_ = ['./demo_world_detection.py', './glee_meta_keys.py']

pack_inputs = dict(type='PackDetInputs', meta_keys=_base_.glee_meta_keys)
instance_prompts = dict(type='FormatGLEEPrompts', task='instance',
                        dn_table='demo_world')
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=_base_.img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    instance_prompts,
    pack_inputs
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=_base_.img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    instance_prompts,
    pack_inputs
]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(return_classes=True, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(return_classes=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(metric=['bbox', 'segm'])
test_evaluator = val_evaluator

# grounding: one expression, one object per sample; no flip (expressions
# say "left of")
refcoco_prompts = dict(type='FormatGLEEPrompts', task='grounding',
                       dn_table='grounding')
refcoco_train_pipeline = [
    t for t in train_pipeline if t['type'] != 'RandomFlip'
    and t['type'] != 'FormatGLEEPrompts' and t['type'] != 'PackDetInputs'
] + [refcoco_prompts, pack_inputs]
refcoco_test_pipeline = [
    t for t in test_pipeline
    if t['type'] != 'FormatGLEEPrompts' and t['type'] != 'PackDetInputs'
] + [refcoco_prompts, pack_inputs]
refcoco_dataset = dict(
    type='RefCocoGroundingDataset',
    data_root=_base_.data_root,
    ann_file='refcoco/instances.json',
    split_file='refcoco/refs(unc).p',
    data_prefix=dict(img='images/'))
refcoco_train_dataset = dict(
    refcoco_dataset, split='train', pipeline=refcoco_train_pipeline)
refcoco_val_dataset = dict(
    refcoco_dataset, split='val', test_mode=True,
    pipeline=refcoco_test_pipeline)
refcoco_evaluator = dict(type='ReferringExpressionMetric')
