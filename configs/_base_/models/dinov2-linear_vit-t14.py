# dinov2-linear_vit-s14.py (linear probe) on the demo world's stand-in
# backbone: a tiny DINOv2-architecture ViT (192-d, 6 blocks, 3 heads,
# patch 14) whose 12 x 12 position grid fits 160 px images padded to 168.
_base_ = './dinov2-linear_vit-s14.py'
vit_tiny = dict(embed_dims=192, num_layers=6, num_heads=3)
model = dict(
    backbone=dict(arch=dict(_delete_=True, **vit_tiny), img_size=168),
    head=dict(in_channels=2 * 192))  # [cls ; mean patch]
