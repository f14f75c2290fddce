# DINOv2 linear monocular depth ("lin. 1" of the paper, as the released
# dinov2_vits14_nyu_linear_head): a frozen ViT-S/14 (official architecture;
# no weights given here), the last block's patch tokens each concatenated
# with its cls token, without the final LayerNorm, x4 upsampling, BN, 1x1
# conv to 256 uniform depth bins with linear normalisation, SiLog loss.
# Configs give the depth range of their dataset (min_depth, max_depth) and
# the data preprocessor.
_base_ = './backbones/dinov2_vit-s14_frozen.py'
model = dict(
    type='FrozenFeatureDenseModel',
    layers=1,
    # The official depth heads read un-normalised block outputs.
    norm_features=False,
    head=dict(
        type='DINOv2LinearDepthHead',
        in_channels=384,
        num_inputs=1,
        with_cls_token=True,
        upsample=4,
        classify=True,
        n_bins=256,
        bins_strategy='UD',
        norm_strategy='linear',
        loss=dict(type='SiLogLoss')))
