# Ablation: DLL with hard (contiguous) groups instead of random ones:
# horizontal stripes of the image, consecutive words of the caption.
_base_ = './mdrl_vit-tiny-minilm_1xb32-12e_demo-pedes.py'
model = dict(dll=dict(hard_split=True))
