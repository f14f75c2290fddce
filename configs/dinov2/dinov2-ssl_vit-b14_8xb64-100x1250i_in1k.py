# As dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py with a ViT-B/14 student and
# teacher (the official default recipe; the head input is 768-d).
_base_ = ['./dinov2-ssl_vit-s14_8xb64-100x1250i_in1k.py']
model = dict(backbone=dict(arch='base'))
