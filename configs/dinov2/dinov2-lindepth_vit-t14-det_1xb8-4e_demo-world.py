# As dinov2-lindepth_vit-t14-rand_1xb8-4e_demo-world.py,
# with a backbone that has been trained: no DINOv2 weights can be downloaded
# here, so the frozen tiny ViT is the one the demo detector
# (retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world.py) trained with box
# supervision on the demo world's train scenes, extracted into the official
# layout:
#   python tools/train.py \
#       configs/dinov2/retinanet_dinov2-t14_simplefpn_1xb8-6e_demo-world.py \
#       --work-dir work_dirs/retinanet_dinov2-t14_demo
#   python tools/model_converters/extract_dinov2_backbone.py \
#       work_dirs/retinanet_dinov2-t14_demo/epoch_6.pth \
#       work_dirs/retinanet_dinov2-t14_demo/backbone.pth
# These are transfer results of detection-trained features, not DINOv2's.
_base_ = ['./dinov2-lindepth_vit-t14-rand_1xb8-4e_demo-world.py']
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/retinanet_dinov2-t14_demo/backbone.pth')))
