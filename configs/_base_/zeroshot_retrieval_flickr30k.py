# Zero-shot Flickr30K 1k retrieval (see zeroshot_retrieval.py): its test
# protocol on the data of ./datasets/flickr30k_retrieval.py.
_base_ = './zeroshot_retrieval.py'
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
