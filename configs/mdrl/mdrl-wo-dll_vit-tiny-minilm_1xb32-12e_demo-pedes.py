# Ablation: MDRL without disordered local learning (global CMPM + ID, CIM).
_base_ = './mdrl_vit-tiny-minilm_1xb32-12e_demo-pedes.py'
model = dict(dll=None)
