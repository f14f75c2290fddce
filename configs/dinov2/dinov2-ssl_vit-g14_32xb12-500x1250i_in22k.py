# As dinov2-ssl_vit-l14_32xb32-500x1250i_in22k.py with the ViT-g/14 of the
# official recipe dinov2/configs/train/vitg14.yaml (1536-d, 40 blocks, 24
# heads, SwiGLU hidden 4096; batch 12 per GPU, same lr as printed there).
# Not trained here.
_base_ = ['./dinov2-ssl_vit-l14_32xb32-500x1250i_in22k.py']
model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=1536,
                                     num_layers=40, num_heads=24,
                                     ffn_type='swiglu')))
train_dataloader = dict(batch_size=12)
