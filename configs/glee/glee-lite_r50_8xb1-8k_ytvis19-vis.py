# GLEE-Lite video instance segmentation on YouTube-VIS 2019, fine-tuned
# from the image model as the official ytvis19_base.yaml (8 clips of 2
# frames x 8k iterations). Inference: MinVIS association of the query
# embeddings, windows of 10 frames, top 30 per video.
_base_ = [
    '../_base_/models/glee-lite_r50_video.py',
    '../_base_/datasets/glee_youtube_vis_2019.py',
    '../_base_/schedules/glee_video_adamw_8k.py'
]
load_from = 'checkpoints/glee-lite_r50_mmvp.pth'
