# ALBEF Flickr30K 1k retrieval fine-tuning, official hyper-parameters
# (configs/Retrieval_flickr.yaml): as for COCO but 10 epochs and ITM
# re-ranking of the top 128.
_base_ = [
    './albef_vit-b16-bert-base_8xb32-5e_coco-retrieval.py',
]
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
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-6,
         by_epoch=True, begin=0, end=max_epochs)
]
