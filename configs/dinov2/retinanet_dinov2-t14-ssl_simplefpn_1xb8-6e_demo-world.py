# As retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world.py (the plain ViT is
# fine-tuned with the detector), starting from the tiny ViT pretrained by
# DINOv2 self-supervision on the demo world's unlabelled train images
# instead of the random initialisation (see
# dinov2-linear_vit-t14-ssl_1xb64-6e_demo-world-crops.py for the commands
# that make the checkpoint).
_base_ = ['./retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world.py']
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/dinov2-ssl_vit-t14_demo/teacher_backbone.pth')))
