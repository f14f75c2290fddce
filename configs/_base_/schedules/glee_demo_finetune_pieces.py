# Fine-tuning the demo GLEE from its instance checkpoint on another image
# task (grounding, open-world), as `finetune_*` pieces for a task config
# that already carries the from-scratch schedule (bases cannot share keys):
# the official fine-tuning lr 1e-4, a short warm-up from 0.1 and a cosine
# decay per iteration (a step schedule has no room in 1-2 epochs). Use:
#   max_epochs = 2
#   train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
#   param_scheduler = [_base_.finetune_warmup,
#                      dict(_base_.finetune_cosine, end=max_epochs,
#                           T_max=max_epochs)]
#   optim_wrapper = dict(optimizer=dict(lr=_base_.finetune_lr))
finetune_lr = 1e-4
finetune_warmup = dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                       begin=0, end=50)
finetune_cosine = dict(type='CosineAnnealingLR', by_epoch=True, begin=0,
                       eta_min=1e-6, convert_to_iter_based=True)
