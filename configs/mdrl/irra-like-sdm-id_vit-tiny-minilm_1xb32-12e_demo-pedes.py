# IRRA-like baseline: global features, SDM (temperature 0.02) + ID losses
# (IRRA's implicit relation reasoning / MLM branch is not included).
_base_ = './mdrl_vit-tiny-minilm_1xb32-12e_demo-pedes.py'
model = dict(
    dll=None,
    cim=None,
    match_loss=dict(type='SDMLoss', temperature=0.02))
