# Joint GLEE training on the demo world: instance detection/segmentation
# (8 class names) and grounding (referring expressions) in one run. Every
# batch comes from one dataset (mmdet's MultiDataAspectRatioBatchSampler)
# and is routed to its task by its samples' prompts; MultiDataSampler draws
# both datasets equally often. Validated on the instances; grounding with
#   tools/test.py configs/glee/glee_r18_demo_1xb4-4e_demo-world-refcoco.py CKPT
#
# Budget: the 16-epoch instance run's 1,920 iterations (same model, lr and
# step positions at 11/16 and 15/16 of training), now half instance and half
# grounding batches, so the two are compared at equal compute. An epoch of
# the concatenated datasets (480 scenes + 4,491 expressions) would be 1,243
# iterations, so the run counts iterations, not epochs.
_base_ = './glee_r18_demo_1xb4-16e_demo-world-instance.py'

max_iters = 1920
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
    val_interval=max_iters)
param_scheduler = [
    _base_.param_scheduler[0],  # warm-up, already counted in iterations
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[max_iters * 11 // 16, max_iters * 15 // 16], gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters // 4))
log_processor = dict(by_epoch=False)

train_dataloader = dict(
    batch_size=4,
    sampler=dict(_delete_=True, type='MultiDataSampler',
                 dataset_ratio=[1, 1]),
    batch_sampler=dict(
        _delete_=True,
        type='MultiDataAspectRatioBatchSampler',
        batch_size=[4, 4],
        num_datasets=2),
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[_base_.train_dataloader.dataset,
                  _base_.refcoco_train_dataset]))
# the two tasks' losses reach different parameters in some batches
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
