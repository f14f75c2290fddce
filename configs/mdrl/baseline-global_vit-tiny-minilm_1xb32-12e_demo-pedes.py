# Baseline: global features only (no DLL, no CIM), ID + CMPM losses.
_base_ = './mdrl_vit-tiny-minilm_1xb32-12e_demo-pedes.py'
model = dict(dll=None, cim=None)
