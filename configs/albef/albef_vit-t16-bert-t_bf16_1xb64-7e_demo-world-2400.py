# The demo ALBEF on the 2,400-scene image-text world
# (_base_/datasets/demo_world_2400_image_text.py): five times the training
# scenes of the 15-epoch config, 7 epochs (2.4x its iterations) in bfloat16
# autocast (about 0.7 s per iteration on 2 threads instead of 1.2 in fp32),
# validation after every epoch.
_base_ = [
    '../_base_/models/albef_vit-t16-bert-t_demo.py',
    '../_base_/datasets/demo_world_2400_image_text.py',
    '../_base_/schedules/image_text_demo_bf16_adamw_7e.py',
    '../_base_/image_text_runtime.py',
]
