# As dinov2-linear_vit-s14_8xb128-12500i_in1k.py with the "last 4 blocks"
# feature of the official linear probe: cls tokens of the last 4 blocks and
# the mean patch token of the last one, (4 + 1) x 384 channels.
_base_ = ['./dinov2-linear_vit-s14_8xb128-12500i_in1k.py']
model = dict(
    backbone=dict(out_indices=(-4, -3, -2, -1)),
    head=dict(in_channels=5 * 384))
