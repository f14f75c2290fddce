# VLMo-Large retrieval fine-tuning with the official hyper-parameters of
# task_finetune_irtr_coco_large_image384 without the data (configs/vlmo/
# *-retrieval.py add COCO or Flickr30K and their step counts): a 24-layer
# 1024-wide Multiway Transformer (VL-FFN from layer 21), 384 px, 3,072
# pairs per step (64 GPUs x 48), ITC only as a dual encoder (the official
# "irtr" task: V-FFN / L-FFN [CLS] features, dot-product retrieval), AdamW
# lr 2e-5 weight decay 0.01, 3,000 steps, linear warm-up over 300 then
# linear decay to 0, stochastic depth 0.2. Starts from the converted
# VLMo-L pretraining checkpoint:
#   python tools/model_converters/vlmo2mmvp.py vlmo_large_patch16_224.pt \
#       data/pretrained/vlmo_large_mmvp.pth
# (the 224 px relative position table is for a 14 x 14 grid; VLMo
# interpolates it to 24 x 24, which is not done here: train at 224 px or
# interpolate the table before loading).
_base_ = [
    './models/vlmo_multiway-b16_bert-base.py',
    './schedules/vilt_adamw.py',
    './image_text_nodistill_runtime.py',
]
model = dict(
    transformer=dict(img_size=384, embed_dims=1024, num_layers=24,
                     num_heads=16, vl_ffn_start=21, drop_path_rate=0.2),
    tasks=('itc', ),
    vl_itc=False)
load_from = 'data/pretrained/vlmo_large_mmvp.pth'

max_iters = 3000
warmup_iters = 300
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=1000)
optim_wrapper = dict(optimizer=dict(lr=2e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=warmup_iters, end=max_iters)
]
auto_scale_lr = dict(enable=False, base_batch_size=3072)
log_processor = dict(by_epoch=False)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=1000))
