# DINOv2 self-supervised pretraining of a ViT-S/14 from scratch on the
# ImageNet-1k train images (labels unused), the official default recipe
# (dinov2/configs/ssl_default_config.yaml: 100 "epochs" of 1250
# iterations, batch 64 per GPU, EMA centering, shared DINO/iBOT head, 65536
# prototypes) with 14 px patches and 98 px local crops. 8 GPUs:
#   bash tools/dist_train.sh \
#       configs/dinov2/dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py 8
# Then the 518 px adaptation (dinov2-ssl_vit-s14_8xb32-518px-10000i_in1k.py)
# and the export of the teacher (tools/model_converters/
# dinov2_ssl2official.py ... --img-size 518). Not trained here.
_base_ = [
    '../_base_/models/dinov2-ssl_vit-s14.py',
    '../_base_/datasets/dinov2-ssl_imagenet.py',
    '../_base_/schedules/dinov2-ssl_adamw_100x1250i.py'
]
model = dict(data_preprocessor={{_base_.data_preprocessor}})
