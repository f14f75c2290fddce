# ViLT-B/32 retrieval fine-tuning with the official hyper-parameters
# (task_finetune_irtr_{coco,f30k}) without the data (configs/vilt/
# *-retrieval.py add COCO or Flickr30K): 384 px, 8 GPUs x 32 = 256 pairs,
# AdamW lr 1e-4 weight decay 0.01, 10 epochs, linear warm-up over the first
# 10 % then linear decay to 0, from the ViLT-B/32 200k pretraining
# checkpoint (its `state_dict` loads as it is; load_from loads
# non-strictly and logs the keys it skips). The official fine-tuning ranks
# every positive against 15 sampled negative texts with a rank head
# initialised from ITM's "matched" row; here the ITM head is fine-tuned
# with ViLT's random negatives and ranks every (image, text) pair:
# retrieval cost grows with the gallery (25k x 5k fused passes for COCO
# 5k).
_base_ = [
    './models/vilt_vit-b32_bert-base.py',
    './schedules/vilt_adamw.py',
    './image_text_nodistill_runtime.py',
]
model = dict(tasks=('itm', ), rerank_batch_size=1024)
load_from = 'data/pretrained/vilt_200k_mlm_itm.ckpt'

max_epochs = 10
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=1, convert_to_iter_based=True),
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=True,
         begin=1, end=max_epochs, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
