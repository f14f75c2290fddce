# Joint GLEE training on the demo world: instance detection/segmentation
# (8 class names) and grounding (referring expressions) in one run. Every
# batch comes from one dataset (mmdet's MultiDataAspectRatioBatchSampler)
# and is routed to its task by its samples' prompts; MultiDataSampler draws
# both datasets equally often. Validated on the instances; grounding with
#   tools/test.py configs/glee/glee_r18_demo_1xb4-4e_demo-world-refcoco.py CKPT
_base_ = './glee_r18_demo_1xb4-12e_demo-world-instance.py'

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
