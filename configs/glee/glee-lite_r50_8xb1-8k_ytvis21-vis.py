# GLEE-Lite on YouTube-VIS 2021 (same recipe as 2019; dn table 'ytvis21'):
#   data/youtube_vis_2021/annotations/youtube_vis_2021_{train,valid}.json
_base_ = './glee-lite_r50_8xb1-8k_ytvis19-vis.py'

data_root = 'data/youtube_vis_2021/'
classes = ('airplane', 'bear', 'bird', 'boat', 'car', 'cat', 'cow', 'deer',
           'dog', 'duck', 'earless_seal', 'elephant', 'fish', 'flying_disc',
           'fox', 'frog', 'giant_panda', 'giraffe', 'horse', 'leopard',
           'lizard', 'monkey', 'motorbike', 'mouse', 'parrot', 'person',
           'rabbit', 'shark', 'skateboard', 'snake', 'snowboard', 'squirrel',
           'surfboard', 'tennis_racket', 'tiger', 'train', 'truck', 'turtle',
           'whale', 'zebra')
prompts = dict(_base_.video_prompts, dn_table='ytvis21', classes=classes)

train_pipeline = [
    _base_.frame_sampler,
    dict(type='TransformBroadcaster', share_random_params=True,
         transforms=_base_.train_frame_transforms + [prompts]),
    _base_.pack_video
]
test_pipeline = [
    dict(type='TransformBroadcaster',
         transforms=_base_.test_frame_transforms + [prompts]),
    _base_.pack_video
]
train_dataloader = dict(
    dataset=dict(
        dataset_version='2021',
        data_root=data_root,
        metainfo=dict(classes=classes),
        ann_file='annotations/youtube_vis_2021_train.json',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(train_dataloader['dataset'],
                 ann_file='annotations/youtube_vis_2021_valid.json',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(outfile_prefix='work_dirs/youtube_vis_2021/results')
test_evaluator = val_evaluator
