# GLEE-Lite on OVIS (occluded VIS, 25 classes, dn table 'ovis'). OVIS ships
# YouTube-VIS-format json; convert it to CocoVID with mmdet's
# tools/dataset_converters/youtubevis2coco.py (the 2021 option) into
#   data/ovis/annotations/ovis_{train,valid}_cocovid.json
#   data/ovis/{train,valid}/<video>/<frame>.jpg
_base_ = './glee-lite_r50_8xb1-8k_ytvis19-vis.py'

data_root = 'data/ovis/'
classes = ('Person', 'Bird', 'Cat', 'Dog', 'Horse', 'Sheep', 'Cow',
           'Elephant', 'Bear', 'Zebra', 'Giraffe', 'Poultry', 'Giant_panda',
           'Lizard', 'Parrot', 'Monkey', 'Rabbit', 'Tiger', 'Fish', 'Turtle',
           'Bicycle', 'Motorcycle', 'Airplane', 'Boat', 'Vehical')
prompts = dict(_base_.video_prompts, dn_table='ovis', classes=classes)

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
ovis = dict(_delete_=True, type='BaseVideoDataset', data_root=data_root,
            metainfo=dict(classes=classes))
train_dataloader = dict(
    dataset=dict(
        ovis,
        ann_file='annotations/ovis_train_cocovid.json',
        data_prefix=dict(img_path='train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ovis,
        ann_file='annotations/ovis_valid_cocovid.json',
        data_prefix=dict(img_path='valid'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(outfile_prefix='work_dirs/ovis/results')
test_evaluator = val_evaluator
