# The demo BLIP on the 2,400-scene image-text world
# (_base_/datasets/demo_world_2400_image_text.py) for 6 epochs in bfloat16
# autocast (1,122 iterations, about 0.88 s each on 2 threads), validation
# every 2 epochs: the 7-epoch schedule with validation after every epoch
# took 21.2 minutes, over the 20-minute budget of the demo configs.
_base_ = [
    '../_base_/models/blip_vit-t16-med-t_demo.py',
    '../_base_/datasets/demo_world_2400_image_text.py',
    '../_base_/schedules/image_text_demo_bf16_adamw_7e.py',
    '../_base_/image_text_runtime.py',
]
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
