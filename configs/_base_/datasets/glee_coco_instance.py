# COCO 2017 instances for GLEE (coco_detection.py's files and loaders): the
# 80 class names as the prompt (dn table 'coco'), masks, and the DETR-family
# augmentation of the official config (shortest edge 480..800 up to 1333,
# half of the time after an absolute 384..600 crop) as mmdet's DINO writes
# it; COCO box + mask mAP.
_base_ = ['./coco_detection.py', './glee_meta_keys.py']

glee_prompts = dict(type='FormatGLEEPrompts', task='instance',
                    dn_table='coco')
scales = [(480, 1333), (512, 1333), (544, 1333), (576, 1333), (608, 1333),
          (640, 1333), (672, 1333), (704, 1333), (736, 1333), (768, 1333),
          (800, 1333)]
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomChoice',
        transforms=[[
            dict(type='RandomChoiceResize', scales=scales, keep_ratio=True)
        ], [
            dict(type='RandomChoiceResize',
                 scales=[(400, 4200), (500, 4200), (600, 4200)],
                 keep_ratio=True),
            dict(type='RandomCrop', crop_type='absolute_range',
                 crop_size=(384, 600), allow_negative_crop=True),
            dict(type='RandomChoiceResize', scales=scales, keep_ratio=True)
        ]]),
    glee_prompts,
    dict(type='PackDetInputs', meta_keys=_base_.glee_meta_keys)
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    glee_prompts,
    dict(type='PackDetInputs', meta_keys=_base_.glee_meta_keys)
]
train_dataloader = dict(
    dataset=dict(return_classes=True, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(return_classes=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(metric=['bbox', 'segm'])
test_evaluator = val_evaluator
