# The published DINOv2 ViT-S/14 weights (official file), as an init_cfg.
dinov2_vits14_pretrained = dict(
    type='Pretrained', checkpoint='checkpoints/dinov2_vits14_pretrain.pth')
