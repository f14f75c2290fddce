# Zero-shot Flickr30K 1k retrieval (see zeroshot_retrieval.py): its test
# protocol on the data of ./datasets/flickr30k_files.py.
_base_ = ['./zeroshot_retrieval.py', './datasets/flickr30k_files.py']
data_root = _base_.flickr.data_root
val_dataloader = dict(dataset=_base_.flickr30k_splits.val)
test_dataloader = dict(dataset=_base_.flickr30k_splits.test)
