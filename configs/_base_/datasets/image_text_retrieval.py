# What the image-text retrieval datasets share: Karpathy-style json files
# (ALBEF's / BLIP's layout) read by KarpathyImageText, the keys packed for
# the models and the retrieval metric, the loader defaults, and retrieval
# evaluated with mmpretrain's retrieval loops, R@1/5/10 both ways.
# coco_karpathy_retrieval.py and demo_world_image_text.py set the data
# root, files, pipelines and batch sizes.
dataset_type = 'KarpathyImageText'
pack_keys = ['text', 'image_id', 'gt_caption', 'gt_text_id', 'gt_image_id']
train_dataloader = dict(
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type))
val_dataloader = dict(
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, test_mode=True))
test_dataloader = val_dataloader

val_cfg = dict(type='mmpretrain.RetrievalValLoop')
test_cfg = dict(type='mmpretrain.RetrievalTestLoop')
# mmpretrain's RetrievalRecall calls np.in1d (gone in numpy 2):
# ImageTextRecall computes the same R@K
val_evaluator = dict(type='ImageTextRecall', topk=(1, 5, 10))
test_evaluator = val_evaluator
