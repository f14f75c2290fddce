# BLIP-base COCO captioning fine-tuning with the official hyper-parameters
# (configs/caption_coco.yaml): 384 px, 8 GPUs x 32, LM only with the
# prompt 'a picture of ' (captions of up to 40 tokens), AdamW lr 1e-5
# weight decay 0.05, cosine to 0 over 5 epochs; beam search with 3 beams,
# 5 to 20 tokens; BLEU-4 and CIDEr-D on the Karpathy test split.
_base_ = [
    '../_base_/models/blip_vit-b16_bert-base.py',
    '../_base_/datasets/coco_karpathy_caption.py',
    '../_base_/schedules/image_text_finetune_adamw_5e.py',
    '../_base_/image_text_runtime.py',
]
model = dict(tasks=('lm', ), prompt='a picture of ', max_text_length=40,
             generation=dict(strategy='beam', num_beams=3, max_length=20,
                             min_length=5))
load_from = 'data/pretrained/blip_base_mmvp.pth'
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1,
                                     save_best='caption/CIDEr',
                                     rule='greater'))
