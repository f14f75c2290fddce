# Baseline of glee_r18_demo_1xb2-4e_demo-world-vis.py: the same model and
# checkpoint, queries associated by box IoU with each track's last box
# (Hungarian on 1 - IoU) instead of their embeddings. Test only:
#   python tools/test.py THIS_CONFIG \
#       work_dirs/glee_r18_demo_1xb2-4e_demo-world-vis/epoch_4.pth
_base_ = './glee_r18_demo_1xb2-4e_demo-world-vis.py'

model = dict(tracker=dict(association='iou'))
