# GLEE-Lite grounding on RefCOCO+ (UNC splits, no location words).
_base_ = './glee-lite_r50_8xb2-90k_refcoco.py'
_split = dict(ann_file='refcoco+/instances.json',
              split_file='refcoco+/refs(unc).p')
train_dataloader = dict(dataset=_split)
val_dataloader = dict(dataset=_split)
test_dataloader = val_dataloader
