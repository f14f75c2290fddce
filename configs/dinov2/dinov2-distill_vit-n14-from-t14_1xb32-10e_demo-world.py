# Demo-world distillation: the frozen EMA teacher of
# dinov2-ssl_vit-t14_1xb32-10e_demo-world.py (tiny ViT/14, 192-d) trains a
# smaller student ("n14": 96-d, 6 blocks, 3 heads) with the same losses and
# schedule, the paper's distillation changes (no masking, no stochastic
# depth, iBOT on all patches of the global crops) and a spare EMA of the
# student (EMAHook), which is the result. After training the teacher run:
#   python tools/train.py \
#       configs/dinov2/dinov2-distill_vit-n14-from-t14_1xb32-10e_demo-world.py \
#       --work-dir work_dirs/dinov2-distill_vit-n14_demo
#   python tools/model_converters/dinov2_ssl2official.py \
#       work_dirs/dinov2-distill_vit-n14_demo/epoch_10.pth \
#       work_dirs/dinov2-distill_vit-n14_demo/student_backbone.pth \
#       --part student
_base_ = ['./dinov2-ssl_vit-t14_1xb32-10e_demo-world.py']
teacher_checkpoint = 'work_dirs/dinov2-ssl_vit-t14_demo/epoch_10.pth'
vit_nano = dict(embed_dims=96, num_layers=6, num_heads=3)

model = dict(
    backbone=dict(arch=dict(_delete_=True, **vit_nano), drop_path_rate=0.0),
    ibot_on_all_patches=True,
    teacher=dict(
        backbone=dict(type='DINOv2ViT',
                      arch=dict(embed_dims=192, num_layers=6, num_heads=3),
                      img_size=168, frozen=True),
        dino_head={{_base_.model.dino_head}},
        checkpoint=teacher_checkpoint))
model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                         find_unused_parameters=True)
train_dataloader = dict(collate_fn=dict(mask_probability=0.0))
# the spare EMA of the student, which becomes the result
custom_hooks = _base_.custom_hooks + [
    dict(type='EMAHook', ema_type='ExponentialMovingAverage',
         momentum=1e-2, priority='ABOVE_NORMAL')
]
