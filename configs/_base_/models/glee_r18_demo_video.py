# The demo GLEE (glee_r18_demo.py, same weights: an image checkpoint loads
# unchanged) as GLEEVideo (glee_video.py); training reads 2-frame clips.
_base_ = ['./glee_r18_demo.py', './glee_video.py']

model = dict(_base_.glee_video)
