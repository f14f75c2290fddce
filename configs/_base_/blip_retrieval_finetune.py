# BLIP-base retrieval fine-tuning with the official hyper-parameters
# (configs/retrieval_{coco,flickr}.yaml) without the data
# (configs/blip/*-retrieval.py add COCO or Flickr30K): 384 px, ITC + ITM
# with momentum distillation (alpha 0.4 ramped over the first epoch), queue
# 57,600, AdamW lr 1e-5 weight decay 0.05, cosine to 0 over 6 epochs; test
# with ITM re-ranking of the top 256 (ITM logit + ITC similarity); texts of
# 35 tokens. Starts from BLIP's pretrained checkpoint converted with
#   python tools/model_converters/blip2mmvp.py model_base.pth \
#       data/pretrained/blip_base_mmvp.pth
_base_ = [
    './models/blip_vit-b16_bert-base.py',
    './schedules/image_text_finetune_adamw_5e.py',
    './image_text_runtime.py',
]
model = dict(tasks=('itc', 'itm'), max_text_length=35, rerank_topk=256)
load_from = 'data/pretrained/blip_base_mmvp.pth'

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
