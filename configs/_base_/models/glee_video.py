# What turns an image GLEE into GLEEVideo (merged into the model by
# glee-lite_r50_video.py and glee_r18_demo_video.py): mmdet's video batches,
# MinVIS association (Hungarian on 1 - cosine with the mean of a track's last
# 3 embeddings), 10 frames per forward pass, the top 30 (track, class) pairs
# of a video, the IDOL-style contrastive tracking loss (weight 2).
glee_video = dict(
    type='GLEEVideo',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    tracker=dict(type='GLEEQueryTracker', association='embedding',
                 num_memory_frames=3),
    loss_track=dict(type='mmdet.MultiPosCrossEntropyLoss', loss_weight=2.0),
    num_track_negatives=20,
    window_size=10,
    max_tracks=30)
