# The published DINOv2 ViT-S/14 (dinov2_vit-s14_pretrained.py) fine-tuned as a
# detector backbone: the last block's patch map (stride 14) for a SimpleFPN
# neck, stochastic depth 0.1, activation checkpointing.
_base_ = './dinov2_vit-s14_pretrained.py'
dinov2_vits14_det_backbone = dict(
    type='DINOv2ViT',
    arch='small',
    img_size=518,
    drop_path_rate=0.1,
    out_indices=(-1, ),
    out_type='featmap',
    with_cp=True,
    init_cfg=_base_.dinov2_vits14_pretrained)
