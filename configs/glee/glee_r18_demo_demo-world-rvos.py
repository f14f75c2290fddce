# GLEE referring video object segmentation on the demo world's valid clips
# (expressions: tools/data/make_demo_world_rvos.py data/demo_world), with
# the grounding model (glee_r18_demo_1xb4-4e_demo-world-refcoco.py): the
# expression is the prompt of every frame, the queries are associated frame
# to frame and the track with the highest mean grounding score is the
# object. J&F on every frame. Test only:
#   python tools/test.py THIS_CONFIG \
#       work_dirs/glee_r18_demo_1xb4-4e_demo-world-refcoco/epoch_4.pth
_base_ = [
    '../_base_/models/glee_r18_demo_video.py',
    '../_base_/datasets/glee_demo_world_videos.py',
    '../_base_/default_runtime.py'
]
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
                 transforms=[
                     dict(type='StrictLoadImageFromFile'),
                     dict(type='Resize', scale=_base_.img_scale,
                          keep_ratio=True),
                     dict(type='LoadTrackAnnotations', with_mask=True),
                     rvos_prompts,
                 ]), _base_.pack_video
        ]))
val_dataloader = test_dataloader
test_evaluator = dict(_delete_=True, type='VideoObjectSegMetric',
                      semi_supervised=False)
val_evaluator = test_evaluator
train_dataloader = None
train_cfg = None
optim_wrapper = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    visualization=dict(type='mmdet.TrackVisualizationHook', draw=False))
visualizer = dict(type='mmdet.TrackLocalVisualizer', _delete_=True,
                  vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer')
