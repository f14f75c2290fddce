# Flickr30K retrieval (Karpathy split) in ALBEF's / BLIP's json layout:
#   data/flickr30k/annotations/flickr30k_{train,val,test}.json
#   data/flickr30k/flickr30k-images/*.jpg
# 29k train images, 1k val, 1k test. Pipelines as for COCO.
_base_ = './coco_karpathy_retrieval.py'
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
train_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_train.json'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
