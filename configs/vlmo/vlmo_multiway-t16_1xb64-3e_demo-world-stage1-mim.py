# VLMo stage 1 on the demo world: image-only masked image modelling (BEiT:
# 14 of 36 patches block-masked, predict their k-means visual tokens, 256
# ids) trains the patch embedding, the self-attention and the V-FFN; the
# text side (embeddings, L-FFN, VL-FFN) is frozen. Needs the visual
# tokenizer (tools/analysis_tools/build_visual_tokenizer.py THIS_CONFIG).
# 3 epochs of the 480 training scenes x 5 captions (2,400 samples per
# epoch, as every demo config draws), AdamW lr 5e-4, batch 64; no
# validation. Stage 2 starts from its last checkpoint.
_base_ = [
    '../_base_/models/vlmo_multiway-t16_demo.py',
    '../_base_/datasets/demo_world_image_text_masked.py',
    '../_base_/schedules/image_text_demo_adamw_20e.py',
    '../_base_/image_text_pretrain_runtime.py',
]
model = dict(tasks=('mim', ), frozen={{_base_.frozen_in_image_stage}})

optim_wrapper = {{_base_.vlmo_optim_wrapper}}

max_epochs = 3
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
