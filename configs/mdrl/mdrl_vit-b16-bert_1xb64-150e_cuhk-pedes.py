# MDRL on CUHK-PEDES with the paper's hyper-parameters (384x128 images,
# 64-token captions, SGD lr 7e-5, 10 warm-up epochs, 150 epochs).
_base_ = [
    '../_base_/models/mdrl_vit-b16_bert-base.py',
    '../_base_/datasets/pedes_384x128.py',
    '../_base_/schedules/mdrl_sgd_150e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    checkpoint=dict(interval=5, save_best='tbps/R1', rule='greater'))
