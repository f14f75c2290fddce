# GLEE-Lite (glee-lite_r50.py, the same weights) on mmdet's video batches:
# GLEEVideo with MinVIS association, 10 frames per forward pass, the top
# 30 (track, class) pairs per video, and the contrastive tracking loss
# (weight 2) in training; the visual prompter of the official model (so
# converted official checkpoints load whole; VOS configs use it).
_base_ = './glee-lite_r50.py'

model = dict(
    type='GLEEVideo',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    tracker=dict(type='GLEEQueryTracker', association='embedding',
                 num_memory_frames=3),
    loss_track=dict(type='mmdet.MultiPosCrossEntropyLoss', loss_weight=2.0),
    num_track_negatives=20,
    window_size=10,
    max_tracks=30,
    visual_prompter=dict(
        in_channels=[512, 1024, 2048],
        template_size=256,
        max_points=512,
        prompt_prob=0.2,
        prompt_tasks=('instance', )),
    bbox_head=dict(confidence_tasks=('interactive', )))
