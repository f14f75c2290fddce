# image_text_demo_adamw_20e.py for 7 epochs in bfloat16 autocast on the
# CPU (the fusion-encoder demos run about twice as fast;
# configs/albef/results/benchmark_vl_train_throughput.json), validation
# after every epoch.
_base_ = './image_text_demo_adamw_20e.py'
max_epochs = 7
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
optim_wrapper = dict(type='CPUAutocastOptimWrapper', dtype='bfloat16')
