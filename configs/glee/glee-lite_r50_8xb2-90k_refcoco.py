# GLEE-Lite grounding on RefCOCO (UNC): the expression is the prompt and
# its tokens join the decoder's self-attention; one target per expression,
# the top-scoring prediction evaluated (REC Prec@0.5, RES mIoU / cIoU).
_base_ = [
    '../_base_/models/glee-lite_r50.py',
    '../_base_/datasets/glee_refcoco.py',
    '../_base_/schedules/glee_adamw_90k.py'
]
model = dict(test_cfg=dict(max_per_img=1))
