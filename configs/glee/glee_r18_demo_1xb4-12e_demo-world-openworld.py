# Open-world (class-agnostic) GLEE on the demo world: every shape is an
# "object" (the one prompt), evaluated as proposals: COCO AR@1/10/100 over
# all instances whatever their class (useCats=0).
_base_ = './glee_r18_demo_1xb4-12e_demo-world-instance.py'

open_world_prompts = dict(type='FormatGLEEPrompts', task='open_world',
                          dn_table='grounding')


def _open_world(pipeline):
    return [open_world_prompts if t['type'] == 'FormatGLEEPrompts' else t
            for t in pipeline]


train_dataloader = dict(
    dataset=dict(pipeline=_open_world(_base_.train_pipeline)))
val_dataloader = dict(
    dataset=dict(pipeline=_open_world(_base_.test_pipeline)))
test_dataloader = val_dataloader
# class-agnostic AR@100 (keep mmdet's default proposal_nums (100, 300,
# 1000): its metric names follow them whatever the values)
val_evaluator = dict(metric=['proposal'])
test_evaluator = val_evaluator
