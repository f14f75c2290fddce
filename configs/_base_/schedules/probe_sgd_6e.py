# Linear classifier on frozen features, demo scale: probe_adamw_4e.py with
# SGD (momentum 0.9, no weight decay) as in the official linear evaluation,
# lr 0.01 for batch 64, 6 epochs.
_base_ = './probe_adamw_4e.py'
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [dict(_base_.param_scheduler[0], T_max=max_epochs,
                        end=max_epochs)]
optim_wrapper = dict(optimizer=dict(
    _delete_=True, type='SGD', lr=0.01, momentum=0.9, weight_decay=0.))
auto_scale_lr = dict(enable=False, base_batch_size=64)
