# GLEE-Lite grounding on RefCOCOg (UMD splits: train / val / test).
_base_ = './glee-lite_r50_8xb2-90k_refcoco.py'
_split = dict(ann_file='refcocog/instances.json',
              split_file='refcocog/refs(umd).p')
train_dataloader = dict(dataset=_split)
val_dataloader = dict(dataset=_split)
test_dataloader = dict(dataset=dict(_split, split='test'))
