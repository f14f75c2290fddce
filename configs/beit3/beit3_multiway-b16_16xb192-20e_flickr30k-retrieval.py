# BEiT-3 base Flickr30K 1k retrieval fine-tuning, official
# hyper-parameters: as for COCO but lr 1e-4, 20 epochs, 5 warm-up epochs.
_base_ = ['./beit3_multiway-b16_16xb192-15e_coco-retrieval.py']
data_root = 'data/flickr30k/'
flickr = dict(data_root=data_root,
              data_prefix=dict(img_path='flickr30k-images/'))
train_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_train.json'))
val_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_val.json'))
test_dataloader = dict(
    dataset=dict(flickr, ann_file='annotations/flickr30k_test.json'))
max_epochs = 20
warmup_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min=1e-6, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True)
]
