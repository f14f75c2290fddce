# Text-based person search, 384x128 images, 64-token captions (IRRA/MDRL
# protocol). CUHK-PEDES by default; ICFG-PEDES / RSTPReid configs override
# the dataset type and data_root of the three dataloaders.
# Layout: data/CUHK-PEDES/{reid_raw.json, imgs/...}.
dataset_type = 'CUHKPEDES'
data_root = 'data/CUHK-PEDES'
# Local directory of the BERT whose tokenizer matches the text encoder.
tokenizer = 'data/pretrained/bert-base-uncased'
text_length = 64
img_size = (384, 128)  # (h, w)

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=img_size[::-1], keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandomCrop', crop_size=img_size, padding=10),
    dict(type='mmpretrain.RandomErasing', erase_prob=0.5, mode='const',
         fill_color=(123.675, 116.28, 103.53)),
    dict(type='TokenizeText', tokenizer=tokenizer, max_length=text_length),
    dict(type='PackTextImageInputs'),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=img_size[::-1], keep_ratio=False),
    dict(type='TokenizeText', tokenizer=tokenizer, max_length=text_length),
    dict(type='PackTextImageInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    num_workers=4,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(train_dataloader['dataset'], split='val', test_mode=True,
                 pipeline=test_pipeline))
# the val loader on the test split
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))

val_evaluator = dict(type='TextImageRetrievalMetric')
test_evaluator = val_evaluator
