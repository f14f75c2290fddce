# The demo world's videos (tools/data/make_demo_world.py: 24 train + 8
# valid clips of 8-16 frames, 160 px, the 8 shape classes) in the CocoVID
# layout, read by mmdet's YouTubeVISDataset, for GLEE's video tasks.
# Training: 2 frames of a clip within 5 frames of each other (official
# SAMPLING_FRAME_NUM 2, SAMPLING_FRAME_RANGE 5), same resize / flip on
# both; test: whole clips. The class names are the prompts
# (FormatGLEEPrompts(classes=...)); the instance task packs the track ids.
# Evaluators: YouTube-VIS mask AP and HOTA / MOTA / IDF1 (box IoU).
_base_ = ['./demo_world_detection.py', './glee_meta_keys.py']

video_root = 'data/demo_world/videos/'
classes = _base_.metainfo['classes']
video_prompts = dict(type='FormatGLEEPrompts', task='instance',
                     dn_table='demo_world', classes=classes)
pack_video = dict(type='PackTrackInputs', meta_keys=('text', 'task',
                                                      'dn_table'))
video_train_pipeline = [
    dict(type='UniformRefFrameSample', num_ref_imgs=1, frame_range=5,
         filter_key_img=True),
    dict(type='TransformBroadcaster', share_random_params=True,
         transforms=[
             dict(type='StrictLoadImageFromFile'),
             dict(type='LoadTrackAnnotations', with_mask=True),
             dict(type='Resize', scale=_base_.img_scale, keep_ratio=True),
             dict(type='RandomFlip', prob=0.5),
             video_prompts,
         ]),
    pack_video
]
video_test_pipeline = [
    dict(type='TransformBroadcaster',
         transforms=[
             dict(type='StrictLoadImageFromFile'),
             dict(type='Resize', scale=_base_.img_scale, keep_ratio=True),
             dict(type='LoadTrackAnnotations', with_mask=True),
             video_prompts,
         ]),
    pack_video
]
video_dataset = dict(
    type='YouTubeVISDataset',
    dataset_version='2019',
    data_root=video_root,
    metainfo=dict(classes=classes),
    data_prefix=dict(img_path='JPEGImages'))
# the demo world's loaders with 2 clips per batch for training and whole
# videos, each once, for validation and test
train_dataloader = dict(
    batch_size=2,
    batch_sampler=dict(type='TrackAspectRatioBatchSampler'),
    # 24 clips: each epoch visits every clip 10 times (different frames)
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=10,
        dataset=dict(
            video_dataset,
            ann_file='annotations/youtube_vis_2019_train.json',
            pipeline=video_train_pipeline)))
val_dataloader = dict(
    batch_size=1,
    sampler=dict(round_up=False),
    dataset=dict(
        video_dataset,
        _delete_=True,
        ann_file='annotations/youtube_vis_2019_valid.json',
        test_mode=True,
        pipeline=video_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='NumpyCompatYouTubeVISMetric'),
    dict(type='TrackEvalMOTMetric', score_thr=0.3)
]
test_evaluator = val_evaluator
