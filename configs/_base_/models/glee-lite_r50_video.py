# GLEE-Lite (glee-lite_r50.py, the same weights) as GLEEVideo (glee_video.py)
# with the visual prompter of the official model (so converted official
# checkpoints load whole; VOS configs use it).
_base_ = ['./glee-lite_r50.py', './glee_video.py']

model = dict(
    _base_.glee_video,
    visual_prompter=dict(
        in_channels=[512, 1024, 2048],
        template_size=256,
        max_points=512,
        prompt_prob=0.2,
        prompt_tasks=('instance', )),
    bbox_head=dict(confidence_tasks=('interactive', )))
