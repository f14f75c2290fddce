# Ablation: MDRL without the cross-modal interaction module (ID loss on the
# image and text features only).
_base_ = './mdrl_vit-tiny-minilm_1xb32-12e_demo-pedes.py'
model = dict(cim=None)
