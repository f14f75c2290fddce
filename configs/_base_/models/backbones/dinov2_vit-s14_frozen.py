# The frozen ViT-S/14 of DINOv2's frozen-feature evaluations (official
# architecture and 518 px position grid; no weights given here, a config
# adds its checkpoint). The linear probe, linear depth and linear
# segmentation model bases inherit it and choose the features they read.
model = dict(
    backbone=dict(type='DINOv2ViT', arch='small', img_size=518, frozen=True))
