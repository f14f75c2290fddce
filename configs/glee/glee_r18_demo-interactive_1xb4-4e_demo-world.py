# GLEE interactive segmentation on the demo world: the demo GLEE with the
# visual prompter, fine-tuned from its 16-epoch instance checkpoint on
# instance batches that all become visual-prompt batches (one object per
# image is the prompt and the only target); the answer is the query with
# the highest confidence x prompt agreement (test_cfg.prompt_selection,
# see GLEEHead.prompt_agreement). Tested with simulated clicks on every
# val object (the first at the object's centre, each next one at the
# centre of the largest error region, positive or negative; the previous
# mask and all clicks are the next prompt): mean IoU after 1, 3 and 5
# clicks, NoC@85 / NoC@90 (at most 20 clicks). The end-of-training
# validation stops at 5 clicks (a quick check; the test is the protocol).
_base_ = [
    '../_base_/models/glee_r18_demo_interactive.py',
    '../_base_/datasets/glee_demo_world.py',
    '../_base_/schedules/glee_demo_video_adamw_4e.py',
    '../_base_/default_runtime.py'
]
# the instance checkpoint of
# configs/glee/glee_r18_demo_1xb4-16e_demo-world-instance.py
load_from = 'work_dirs/glee_r18_demo_1xb4-16e_demo-world-instance/epoch_16.pth'
# every instance batch is prompted, and the answer is chosen by agreement
# with the prompt (with half the batches prompted and the confidence alone,
# the official rule, mIoU@1 was 0.33: the confidence head did not pick the
# prompted object)
model = dict(
    visual_prompter=dict(prompt_prob=1.0),
    test_cfg=dict(prompt_selection='agreement'))
auto_scale_lr = dict(base_batch_size=4)
interactive_prompts = dict(type='FormatGLEEPrompts', task='interactive',
                           dn_table='demo_world')
val_dataloader = dict(
    batch_size=1,
    dataset=dict(pipeline=[
        interactive_prompts if t['type'] == 'FormatGLEEPrompts' else t
        for t in _base_.test_pipeline
    ]))
test_dataloader = val_dataloader
clicks = dict(max_clicks=20, min_clicks=5, stop_iou=0.9)
val_cfg = dict(type='InteractiveSegValLoop', **dict(clicks, max_clicks=5))
test_cfg = dict(type='InteractiveSegTestLoop', **clicks)
val_evaluator = dict(_delete_=True, type='InteractiveSegMetric',
                     num_clicks=(1, 3, 5), noc_thrs=(0.85, 0.9))
test_evaluator = val_evaluator
