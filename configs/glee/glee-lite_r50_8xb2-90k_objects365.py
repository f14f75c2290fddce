# GLEE-Lite on Objects365 v2 boxes (no masks: the head skips mask losses
# and match costs), 100 prompted names per image out of 365.
_base_ = [
    '../_base_/models/glee-lite_r50.py',
    '../_base_/datasets/glee_objects365.py',
    '../_base_/schedules/glee_adamw_90k.py'
]
