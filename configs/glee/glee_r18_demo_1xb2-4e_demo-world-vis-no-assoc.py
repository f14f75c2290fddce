# Baseline of glee_r18_demo_1xb2-4e_demo-world-vis.py: the same model,
# checkpoint and detections (the tracks of the embedding association decide
# what the video keeps), but no identity is carried over: every frame's
# detections get new identities. Test only:
#   python tools/test.py THIS_CONFIG \
#       work_dirs/glee_r18_demo_1xb2-4e_demo-world-vis/epoch_4.pth
_base_ = './glee_r18_demo_1xb2-4e_demo-world-vis.py'

model = dict(tracker=dict(association='none'))
