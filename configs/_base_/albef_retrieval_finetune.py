# ALBEF retrieval fine-tuning with the official hyper-parameters
# (configs/Retrieval_{coco,flickr}.yaml) without the data
# (configs/albef/*-retrieval.py add COCO or Flickr30K): 384 px, ITC + ITM
# (no MLM) with momentum distillation (alpha 0.4 ramped over the first
# epoch), queue 65,536, AdamW lr 1e-5 weight decay 0.02, cosine to 1e-6;
# test with ITM re-ranking of the top 256; captions cleaned to 30 words.
# Starts from the official pretrained checkpoint converted with
#   python tools/model_converters/albef2mmvp.py ALBEF.pth \
#       data/pretrained/albef_4m_mmvp.pth
_base_ = [
    './models/albef_vit-b16_bert-base.py',
    './schedules/image_text_finetune_adamw_5e.py',
    './image_text_runtime.py',
]
model = dict(visual_encoder=dict(img_size=384),
             text_encoder=dict(with_token_head=False), with_mlm=False,
             max_text_length=30, rerank_topk=256)
load_from = 'data/pretrained/albef_4m_mmvp.pth'
optim_wrapper = dict(optimizer=dict(weight_decay=0.02))
param_scheduler = [dict(_base_.param_scheduler[0], eta_min=1e-6)]
