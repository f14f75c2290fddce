# Fine-tune GLEE on your own COCO-format dataset: only the dataset block and
# the class names change (see configs/glee/README.md). Layout:
#   data/my_shapes/annotations/{train,val}.json  data/my_shapes/{train,val}/
# Up to 80 classes fit the 'coco' denoising table; with more, prompt 100
# names per image: FormatGLEEPrompts(dn_table='obj365', max_classes=100).
_base_ = './glee-lite_r50_8xb2-90k_coco-instance.py'

data_root = 'data/my_shapes/'
metainfo = dict(classes=('apple', 'pear'))  # the json's category names

train_dataloader = dict(dataset=dict(
    data_root=data_root, metainfo=metainfo,
    ann_file='annotations/train.json', data_prefix=dict(img='train/')))
val_dataloader = dict(dataset=dict(
    data_root=data_root, metainfo=metainfo,
    ann_file='annotations/val.json', data_prefix=dict(img='val/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
# the official weights, converted with tools/model_converters/glee2mmvp.py
load_from = 'checkpoints/glee-lite_r50_mmvp.pth'
