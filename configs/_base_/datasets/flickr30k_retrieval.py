# Flickr30K retrieval (Karpathy split; files as flickr30k_files.py): 29k
# train images, 1k val, 1k test. Pipelines as for COCO.
_base_ = ['./coco_karpathy_retrieval.py', './flickr30k_files.py']
data_root = _base_.flickr.data_root
train_dataloader = dict(dataset=_base_.flickr30k_splits.train)
val_dataloader = dict(dataset=_base_.flickr30k_splits.val)
test_dataloader = dict(dataset=_base_.flickr30k_splits.test)
