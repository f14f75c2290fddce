# Runtime of the video configs: the default runtime with mmdet's tracking
# visualisation (TrackVisualizationHook, not drawing unless asked, and the
# TrackLocalVisualizer that draws track ids).
_base_ = './default_runtime.py'
default_hooks = dict(
    visualization=dict(type='mmdet.TrackVisualizationHook', draw=False))
visualizer = dict(type='mmdet.TrackLocalVisualizer', _delete_=True,
                  vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer')
