# Fine-tuning schedule of the image-text models on COCO / Flickr30K (BLIP's
# official retrieval and captioning recipes): 8 GPUs x 32, AdamW lr 1e-5,
# weight decay 0.05, cosine to 0 over 5 epochs by epoch, validation after
# every epoch. bypass_duplicate: tied weights (word embeddings = output
# layer, BLIP's decoder sharing the encoder's layers) are one parameter
# reached through several modules.
max_epochs = 5
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=1)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=0.05),
    paramwise_cfg=dict(bypass_duplicate=True))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0,
         by_epoch=True, begin=0, end=max_epochs)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
