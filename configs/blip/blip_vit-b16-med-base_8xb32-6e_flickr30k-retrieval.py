# BLIP-base Flickr30K 1k retrieval fine-tuning, official hyper-parameters
# (configs/retrieval_flickr.yaml): as for COCO but ITM re-ranking of the
# top 128.
_base_ = './blip_vit-b16-med-base_8xb32-6e_coco-retrieval.py'
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
train_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_train.json'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
model = dict(rerank_topk=128)
