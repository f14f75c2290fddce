# VLMo-Large Flickr30K 1k retrieval fine-tuning, the official
# hyper-parameters of task_finetune_irtr_f30k_large_image384: as for COCO
# (384 px, 3,072 pairs per step, AdamW lr 2e-5, stochastic depth 0.2) but
# 1,500 steps with a 150-step warm-up.
_base_ = ['./vlmo_multiway-l16_64xb48-3000i_coco-retrieval.py']
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
train_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_train.json'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
max_iters = 1500
train_cfg = dict(max_iters=max_iters, val_interval=500)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=150),
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=150, end=max_iters)
]
default_hooks = dict(checkpoint=dict(interval=500))
