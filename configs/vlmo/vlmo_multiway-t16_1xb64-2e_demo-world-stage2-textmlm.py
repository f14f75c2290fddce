# VLMo stage 2 on the demo world: text-only masked language modelling
# (whole words, 15 %) trains the text embeddings and the L-FFN; the
# self-attention, the V-FFN and the rest of the image path (and the unused
# VL-FFN) are frozen and left out of the optimizer, so image features are
# exactly those of stage 1. Starts from stage 1's last checkpoint (run_table
# / vl_benchmark.py pass their run's: model.init_cfg.checkpoint=...).
# 2 epochs, AdamW lr 5e-4, batch 64; no validation.
_base_ = './vlmo_multiway-t16_1xb64-3e_demo-world-stage1-mim.py'
model = dict(
    tasks=('textmlm', ),
    frozen={{_base_.frozen_in_text_stage}},
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/'
        'vlmo_multiway-t16_1xb64-3e_demo-world-stage1-mim/epoch_3.pth'))

max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
