# As dinov2-linseg_vit-t14-rand_1xb8-4e_demo-world.py (linear segmentation),
# with the frozen tiny ViT pretrained by DINOv2 self-supervision on the demo
# world's unlabelled train images (dinov2-ssl_vit-t14_1xb32-10e_demo-world.py,
# its EMA teacher exported to the official layout):
#   python tools/train.py \
#       configs/dinov2/dinov2-ssl_vit-t14_1xb32-10e_demo-world.py \
#       --work-dir work_dirs/dinov2-ssl_vit-t14_demo
#   python tools/model_converters/dinov2_ssl2official.py \
#       work_dirs/dinov2-ssl_vit-t14_demo/epoch_10.pth \
#       work_dirs/dinov2-ssl_vit-t14_demo/teacher_backbone.pth
_base_ = ['./dinov2-linseg_vit-t14-rand_1xb8-4e_demo-world.py']
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/dinov2-ssl_vit-t14_demo/teacher_backbone.pth')))
