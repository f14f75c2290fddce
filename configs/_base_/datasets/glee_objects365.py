# Objects365 v2 for GLEE: boxes only (task 'det': no mask losses or costs),
# 365 class names with positives + random negatives up to 100 per image
# (dn table 'obj365'), the official Objects365-style vocabulary handling.
# Layout: data/objects365/{zhiyuan_objv2_train.json, zhiyuan_objv2_val.json,
# train/, val/} (mmdet's Objects365V2Dataset).
_base_ = './glee_coco_instance.py'

data_root = 'data/objects365/'
o365_prompts = dict(type='FormatGLEEPrompts', task='det', dn_table='obj365',
                    max_classes=100)


def _o365(pipeline, max_classes=100):
    out = []
    for t in pipeline:
        if t['type'] == 'LoadAnnotations':
            t = dict(t, with_mask=False)
        elif t['type'] == 'FormatGLEEPrompts':
            t = dict(o365_prompts, max_classes=max_classes)
        out.append(t)
    return out


train_dataloader = dict(
    dataset=dict(
        type='Objects365V2Dataset',
        data_root=data_root,
        ann_file='zhiyuan_objv2_train.json',
        data_prefix=dict(img='train/'),
        pipeline=_o365(_base_.train_pipeline)))
val_dataloader = dict(
    dataset=dict(train_dataloader['dataset'],
                 ann_file='zhiyuan_objv2_val.json',
                 data_prefix=dict(img='val/'),
                 pipeline=_o365(_base_.test_pipeline, max_classes=None)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'zhiyuan_objv2_val.json',
                     metric='bbox')
test_evaluator = val_evaluator
