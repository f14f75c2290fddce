# Demo world, COCO-format instances (tools/data/make_demo_world.py):
# coco_detection.py with the demo world's files, classes and 160 px scenes.
_base_ = './coco_detection.py'

data_root = 'data/demo_world/'
# The demo world's shape categories, in category-id order.
metainfo = dict(classes=('circle', 'square', 'triangle', 'star', 'hexagon',
                         'ellipse', 'cross', 'diamond'))
img_scale = (160, 160)


def _at_demo_scale(pipeline):
    """``pipeline`` with its ``Resize`` to ``img_scale``."""
    return [dict(t, scale=img_scale) if t['type'] == 'Resize' else t
            for t in pipeline]


train_pipeline = _at_demo_scale(_base_.train_pipeline)
test_pipeline = _at_demo_scale(_base_.test_pipeline)
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='images/train/'),
        filter_cfg=dict(min_size=1),
        pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    dataset=dict(data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_val.json',
                 data_prefix=dict(img='images/val/'), pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
