# Runtime of the test-only video configs (zero-shot tracking, video object
# segmentation): video_runtime.py without training (the configs set
# train_dataloader = None over their dataset base), validation and test
# loops as mmengine's.
_base_ = './video_runtime.py'
train_cfg = None
optim_wrapper = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
