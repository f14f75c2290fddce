# Demo world monocular depth: nyu_depth.py reading directories instead of
# split files, images/{split}/<stem>.png with the 16-bit depth maps
# depth/{split}/<stem>.png (millimetres; objects 1-5.8 m, the background
# plane about 6-10.2 m, hence max_depth 12), evaluated on the whole image.
# The 160 px images are used as they are (a patch-14 backbone pads them to
# 168 = 12 x 14).
_base_ = './nyu_depth.py'
data_root = 'data/demo_world/'
max_depth = 12.

train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(
        _delete_=True,
        type={{_base_.dataset_type}},
        data_root=data_root,
        data_prefix=dict(img='images/train/', depth='depth/train/'),
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    train_dataloader,
    dataset=dict(train_dataloader['dataset'],
                 data_prefix=dict(img='images/val/', depth='depth/val/'),
                 test_mode=True, pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='DepthMetric',
                     min_depth={{_base_.min_depth}}, max_depth=max_depth)
test_evaluator = val_evaluator
