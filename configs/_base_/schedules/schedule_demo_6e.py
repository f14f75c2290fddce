# schedule_demo_12e.py shortened to 6 epochs (the cosine decay spans the 6
# epochs), with a validation every 2 epochs.
_base_ = './schedule_demo_12e.py'
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
# the base's warm-up, its cosine decay spread over max_epochs
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], T_max=max_epochs, end=max_epochs)
]
