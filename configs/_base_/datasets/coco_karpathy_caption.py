# COCO captioning on the Karpathy split (ALBEF / BLIP json layout, see
# coco_karpathy_retrieval.py): train on every (image, caption) pair with
# the retrieval pipeline's augmentation; evaluate generated captions
# against each image's 5 references with BLEU-4 and CIDEr-D.
_base_ = './coco_karpathy_retrieval.py'
val_cfg = dict(_delete_=True, type='ValLoop')
test_cfg = dict(_delete_=True, type='TestLoop')
val_evaluator = dict(_delete_=True, type='CaptionBleuCider')
test_evaluator = val_evaluator
