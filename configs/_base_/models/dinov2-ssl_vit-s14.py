# DINOv2 self-supervised pretraining of a ViT-S/14 (student + EMA teacher),
# the official defaults (dinov2/configs/ssl_default_config.yaml) with
# patch 14: DINO head and iBOT head shared (3-layer MLP 384 -> 2048 -> 2048
# -> 256, weight-normalised 65536 prototypes), EMA centering (momentum 0.9),
# student temperature 0.1, KoLeo 0.1 on the global cls features, drop path
# 0.3 (uniform in the official code, linear over depth here), teacher
# momentum 0.992 -> 1 (cosine), teacher temperature 0.04 -> 0.07 (the
# schedule base's TeacherTempWarmupHook). img_size=224 stores a 16 x 16
# position grid (the global crops); other sizes (local crops, the 518 px
# adaptation) interpolate it.
model = dict(
    type='DINOv2',
    backbone=dict(
        type='DINOv2ViT',
        arch='small',
        img_size=224,
        drop_path_rate=0.3,
        layer_scale_init=1e-5),
    dino_head=dict(
        type='DINOv2ProjectionHead',
        num_prototypes=65536,
        hidden_channels=2048,
        bottleneck_channels=256,
        num_layers=3),
    ibot_head=None,  # shared with the DINO head (ibot.separate_head: false)
    dino_loss=dict(type='DINOLoss', student_temp=0.1, centering='centering',
                   center_momentum=0.9),
    ibot_loss=dict(type='IBOTPatchLoss', student_temp=0.1,
                   centering='centering', center_momentum=0.9),
    koleo_loss=dict(type='KoLeoLoss', loss_weight=0.1),
    teacher_momentum=0.992,
    final_teacher_momentum=1.0)
