# The optimizer of the ViLT code base, which VLMo's fine-tuning keeps:
# AdamW (betas 0.9 / 0.98, eps 1e-8), weight decay 0.01, none on norms and
# biases, lr 1e-4 (ViLT's). The retrieval fine-tuning bases add their lr,
# steps and warm-up (vilt_retrieval_finetune.py, vlmo_retrieval_finetune.py).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.01, eps=1e-8,
                   betas=(0.9, 0.98)),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
