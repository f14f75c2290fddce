# GLEE-Lite (ResNet-50) on COCO instances with the official image schedule.
# Start from the official weights converted with
#   tools/model_converters/glee2mmvp.py GLEE_Lite_joint.pth \
#       checkpoints/glee-lite_r50_mmvp.pth
# (load_from) or from ImageNet (the backbone's torchvision init_cfg) and a
# CLIP ViT-B/32 text checkpoint (model.text_encoder.pretrained).
_base_ = [
    '../_base_/models/glee-lite_r50.py',
    '../_base_/datasets/glee_coco_instance.py',
    '../_base_/schedules/glee_adamw_90k.py'
]
train_dataloader = dict(batch_size=2, num_workers=2)
