# GLEE video object segmentation on the demo world's valid clips, with the
# interactive model (glee_r18_demo-interactive_1xb4-4e_demo-world.py): each
# object's GT mask where it first appears is its visual prompt; the
# template and point tokens of that frame prompt the later frames, the
# queries are associated frame to frame and the track with the highest mean
# confidence is the object. J&F (DAVIS definition) on the frames after the
# prompt frame but the last. Test only:
#   python tools/test.py THIS_CONFIG \
#       work_dirs/glee_r18_demo-interactive_1xb4-4e_demo-world/epoch_4.pth
_base_ = [
    '../_base_/models/glee_r18_demo_interactive.py',
    '../_base_/datasets/glee_demo_world_videos.py',
    '../_base_/video_test_runtime.py'
]
model = dict(
    type='GLEEVideo',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    tracker=dict(type='GLEEQueryTracker', association='embedding'))
vos_prompts = dict(_base_.video_prompts, task='interactive')
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='TransformBroadcaster',
             transforms=_base_.video_test_pipeline[0]['transforms'][:-1] +
             [vos_prompts]), _base_.pack_video
    ]))
val_dataloader = test_dataloader
test_evaluator = dict(_delete_=True, type='VideoObjectSegMetric',
                      semi_supervised=True)
val_evaluator = test_evaluator
train_dataloader = None
