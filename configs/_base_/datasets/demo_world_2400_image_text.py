# The image-text demo world with five times the training scenes:
# data/demo_world_2400, made by
#   python tools/data/make_demo_world.py --out data/demo_world_2400 \
#       --seed 0 --num-train 2400 --only captions
# The generator seeds every scene by its split and index, so its 120 val
# scenes are those of data/demo_world (only their file names, val/002401.png
# onwards, differ) and its first 480 training scenes are data/demo_world's.
_base_ = './demo_world_image_text.py'
data_root = 'data/demo_world_2400/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
