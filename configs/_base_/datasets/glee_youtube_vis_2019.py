# YouTube-VIS 2019 for GLEE (mmdet's YouTubeVISDataset on the CocoVID files
# of mmdet's tools/dataset_converters/youtubevis2coco.py):
#   data/youtube_vis_2019/annotations/youtube_vis_2019_{train,valid}.json
#   data/youtube_vis_2019/{train,valid}/JPEGImages/<video>/<frame>.jpg
# Official video input (configs/videos/Lite/ytvis19_base.yaml): 2 frames
# within 5, the same random short side in 320..640 (max 1333) and flip for
# both; test short side 480. The 40 class names are the prompts (dn table
# 'ytvis19'). YouTube-VIS valid has no public masks: its AP comes from the
# challenge server (format_only=True writes the submission zip).
_base_ = ['./det_loaders.py', './glee_meta_keys.py']

data_root = 'data/youtube_vis_2019/'
dataset_version = '2019'
classes = ('person', 'giant_panda', 'lizard', 'parrot', 'skateboard',
           'sedan', 'ape', 'dog', 'snake', 'monkey', 'hand', 'rabbit',
           'duck', 'cat', 'cow', 'fish', 'train', 'horse', 'turtle', 'bear',
           'motorbike', 'giraffe', 'leopard', 'fox', 'deer', 'owl',
           'surfboard', 'airplane', 'truck', 'zebra', 'tiger', 'elephant',
           'snowboard', 'boat', 'shark', 'mouse', 'frog', 'eagle',
           'earless_seal', 'tennis_racket')
dn_table = 'ytvis19'
video_prompts = dict(type='FormatGLEEPrompts', task='instance',
                     dn_table=dn_table, classes=classes)
pack_video = dict(type='PackTrackInputs', meta_keys=('text', 'task',
                                                      'dn_table'))
train_scales = [(1333, s) for s in (320, 352, 392, 416, 448, 480, 512, 544,
                                    576, 608, 640)]
frame_sampler = dict(type='UniformRefFrameSample', num_ref_imgs=1,
                     frame_range=5, filter_key_img=True)
train_frame_transforms = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='LoadTrackAnnotations', with_mask=True),
    dict(type='RandomChoiceResize', scales=train_scales, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5)
]
test_frame_transforms = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(1333, 480), keep_ratio=True),
    dict(type='LoadTrackAnnotations', with_mask=True)
]
train_pipeline = [
    frame_sampler,
    dict(type='TransformBroadcaster', share_random_params=True,
         transforms=train_frame_transforms + [video_prompts]), pack_video
]
test_pipeline = [
    dict(type='TransformBroadcaster',
         transforms=test_frame_transforms + [video_prompts]), pack_video
]
video_dataset = dict(
    type='YouTubeVISDataset',
    dataset_version=dataset_version,
    data_root=data_root,
    metainfo=dict(classes=classes))
# one 2-frame clip per GPU, clips grouped by aspect ratio
train_dataloader = dict(
    batch_size=1,
    batch_sampler=dict(type='TrackAspectRatioBatchSampler'),
    dataset=dict(
        video_dataset,
        ann_file='annotations/youtube_vis_2019_train.json',
        data_prefix=dict(img_path='train/JPEGImages'),
        pipeline=train_pipeline))
# whole videos, each once
val_dataloader = dict(
    sampler=dict(round_up=False),
    dataset=dict(
        video_dataset,
        ann_file='annotations/youtube_vis_2019_valid.json',
        data_prefix=dict(img_path='valid/JPEGImages'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='NumpyCompatYouTubeVISMetric', format_only=True,
                     outfile_prefix='work_dirs/youtube_vis_2019/results')
test_evaluator = val_evaluator
