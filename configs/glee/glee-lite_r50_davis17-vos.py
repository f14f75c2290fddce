# GLEE-Lite semi-supervised video object segmentation on DAVIS 2017 val:
# each object's first-frame mask is its visual prompt (template + point
# tokens of that frame reused on the later frames), the best track by mean
# confidence is the object; J&F (DAVIS definition; first and last frames
# skipped). Annotations converted with
#   python tools/dataset_converters/vos2cocovid.py palette \
#       data/DAVIS/JPEGImages/480p data/DAVIS/Annotations/480p \
#       data/DAVIS/annotations/davis17_val_cocovid.json \
#       --videos data/DAVIS/ImageSets/2017/val.txt
# Test only (official checkpoint with its visual-prompt weights:
# tools/model_converters/glee2mmvp.py).
_base_ = './glee-lite_r50_burst-track.py'

data_root = 'data/DAVIS/'
prompts = dict(_base_.prompts, task='interactive')
test_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/davis17_val_cocovid.json',
        data_prefix=dict(img_path='JPEGImages/480p'),
        pipeline=[
            dict(type='TransformBroadcaster',
                 transforms=_base_.test_frame_transforms + [prompts]),
            _base_.pack_video
        ]))
val_dataloader = test_dataloader
test_evaluator = dict(_delete_=True, type='VideoObjectSegMetric',
                      semi_supervised=True)
val_evaluator = test_evaluator
