# The demo GLEE (glee_r18_demo.py, same weights: an image checkpoint loads
# unchanged) on mmdet's video batches: GLEEVideo, whose last-layer object
# embeddings are associated frame to frame (MinVIS: Hungarian on 1 - cosine
# with the mean of a track's last 3 embeddings), 10 frames per forward
# pass, the top 30 (track, class) pairs of a video; training adds the
# IDOL-style contrastive tracking loss (weight 2) on 2-frame clips.
_base_ = './glee_r18_demo.py'

model = dict(
    type='GLEEVideo',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    tracker=dict(type='GLEEQueryTracker', association='embedding',
                 num_memory_frames=3),
    loss_track=dict(type='mmdet.MultiPosCrossEntropyLoss', loss_weight=2.0),
    num_track_negatives=20,
    window_size=10,
    max_tracks=30)
