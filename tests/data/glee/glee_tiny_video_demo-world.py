# The tiny test GLEE (glee_tiny_demo-world.py) as GLEEVideo with a visual
# prompter: 2 frames per forward pass, 5 tracks per video, 32 px templates,
# 16 point tokens per level and sign.
_base_ = './glee_tiny_demo-world.py'

model = dict(
    type='GLEEVideo',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    tracker=dict(type='GLEEQueryTracker', association='embedding'),
    window_size=2,
    max_tracks=5,
    num_track_negatives=4,
    visual_prompter=dict(in_channels=[32, 64, 128], template_size=32,
                         max_points=16),
    bbox_head=dict(confidence_tasks=('interactive', )))
