# Linear probe (and k-NN) of the distilled demo student "n14" (96-d,
# 6 blocks, 3 heads) on the demo world's object crops; the student comes
# from dinov2-distill_vit-n14-from-t14_1xb32-10e_demo-world.py (commands
# there). Otherwise as dinov2-linear_vit-t14-ssl_1xb64-6e_demo-world-crops.py.
_base_ = ['./dinov2-linear_vit-t14-rand_1xb64-6e_demo-world-crops.py']
model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=96, num_layers=6, num_heads=3),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/dinov2-distill_vit-n14_demo/'
            'student_backbone.pth')),
    head=dict(in_channels=2 * 96))
