# GLEE-Lite on LVIS v1: 100 prompted names per training image (positives +
# random negatives), all 1203 at test, top 300 detections (official).
_base_ = [
    '../_base_/models/glee-lite_r50.py',
    '../_base_/datasets/glee_lvis_instance.py',
    '../_base_/schedules/glee_adamw_90k.py'
]
model = dict(test_cfg=dict(max_per_img=300))
