# The official GLEE-Lite video fine-tuning (configs/videos/Lite/
# ytvis19_base.yaml): 8k iterations at 8 clips of 2 frames, AdamW 1e-4,
# x0.1 at 6k, on top of the image schedule's optimiser (backbone x0.1,
# gradient clipping); starts from the image model (load_from).
_base_ = './glee_adamw_90k.py'

max_iters = 8000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_iters, milestones=[6000])
]
auto_scale_lr = dict(enable=False, base_batch_size=8)
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=2000, max_keep_ckpts=3),
    visualization=dict(type='mmdet.TrackVisualizationHook', draw=False))
visualizer = dict(type='mmdet.TrackLocalVisualizer', _delete_=True,
                  vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer')
