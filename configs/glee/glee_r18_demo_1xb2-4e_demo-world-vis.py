# GLEE video instance segmentation / multi-object tracking on the demo
# world's clips: the demo GLEE fine-tuned from its instance checkpoint on
# 2-frame clips with the contrastive tracking loss; tested on whole clips
# with MinVIS association (YouTube-VIS mask AP, HOTA / MOTA / IDF1).
# Baselines with the same checkpoint: *-vis-iou-assoc.py (box-IoU
# association), *-vis-no-assoc.py (the same detections, a new identity every
# frame).
_base_ = [
    '../_base_/models/glee_r18_demo_video.py',
    '../_base_/datasets/glee_demo_world_videos.py',
    '../_base_/schedules/glee_demo_video_adamw_4e.py',
    '../_base_/video_runtime.py'
]
# the instance checkpoint of
# configs/glee/glee_r18_demo_1xb4-12e_demo-world-instance.py
load_from = 'work_dirs/glee_r18_demo_1xb4-12e_demo-world-instance/epoch_12.pth'
default_hooks = dict(logger=dict(interval=10))
