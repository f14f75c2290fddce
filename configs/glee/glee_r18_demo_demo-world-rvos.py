# GLEE referring video object segmentation on the demo world's valid clips
# (expressions: tools/data/make_demo_world_rvos.py data/demo_world), with a
# grounding model: the expression is the prompt of every frame, the queries
# are associated frame to frame and the track with the highest mean
# grounding score is the object. J&F on every frame. The demo VOS config
# with expressions instead of visual prompts. Test only, e.g. with the
# checkpoint of glee_r18_demo-ft-instance_1xb4-1e_demo-world-refcoco.py:
#   python tools/test.py THIS_CONFIG GROUNDING_CHECKPOINT
_base_ = './glee_r18_demo-interactive_demo-world-vos.py'

model = dict(visual_prompter=None, bbox_head=dict(confidence_tasks=()))
rvos_prompts = dict(type='FormatGLEEPrompts', task='grounding',
                    dn_table='grounding')
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RefVOSDataset',
        data_root=_base_.video_root,
        metainfo=dict(classes=_base_.classes),
        data_prefix=dict(img_path='JPEGImages'),
        ann_file='annotations/youtube_vis_2019_valid.json',
        expression_file='meta_expressions/valid.json',
        test_mode=True,
        pipeline=[
            dict(type='TransformBroadcaster',
                 transforms=_base_.test_dataloader.dataset.pipeline[0]
                 ['transforms'][:-1] + [rvos_prompts]), _base_.pack_video
        ]))
val_dataloader = test_dataloader
test_evaluator = dict(semi_supervised=False)
val_evaluator = test_evaluator
