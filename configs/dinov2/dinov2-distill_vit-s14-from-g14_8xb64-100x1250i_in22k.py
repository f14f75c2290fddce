# DINOv2 distillation (paper, Sec. 5): a frozen ViT-g/14 teacher, the EMA
# teacher of dinov2-ssl_vit-g14_32xb12-500x1250i_in22k.py with its DINO and
# iBOT heads, trains a ViT-S/14 student with the same losses; as the paper:
# no masking and no stochastic depth in the student, the iBOT loss on all
# patches of the two global crops, and a spare EMA of the student (mmengine
# EMAHook) that is the result:
#   python tools/model_converters/dinov2_ssl2official.py \
#       work_dirs/dinov2-distill_vit-s14-from-g14/iter_125000.pth \
#       checkpoints/vits14_distilled.pth --part student --img-size 518
# Not trained here.
_base_ = ['./dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py']
teacher_checkpoint = \
    'work_dirs/dinov2-ssl_vit-g14_32xb12-500x1250i_in22k/iter_625000.pth'
num_prototypes = 131072
sinkhorn = dict(centering='sinkhorn_knopp')
head = dict(type='DINOv2ProjectionHead', num_prototypes=num_prototypes,
            hidden_channels=2048, num_layers=3)

model = dict(
    backbone=dict(drop_path_rate=0.0),
    dino_head=dict(num_prototypes=num_prototypes, bottleneck_channels=384),
    ibot_head=dict(head, bottleneck_channels=256, _delete_=True),
    dino_loss=sinkhorn,
    ibot_loss=sinkhorn,
    ibot_on_all_patches=True,
    teacher=dict(
        backbone=dict(type='DINOv2ViT', arch='giant', img_size=224,
                      frozen=True),
        dino_head=dict(head, bottleneck_channels=384),
        ibot_head=dict(head, bottleneck_channels=256),
        checkpoint=teacher_checkpoint))
# the student's mask_token gets no gradient without masking
model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                         find_unused_parameters=True)
train_dataloader = dict(
    collate_fn=dict(mask_probability=0.0),
    dataset=dict(data_root='data/imagenet22k', data_prefix=''))
# the spare EMA of the student, which becomes the result
custom_hooks = _base_.custom_hooks + [
    dict(type='EMAHook', ema_type='ExponentialMovingAverage',
         momentum=1e-3, priority='ABOVE_NORMAL')
]
