# GLEE-Lite referring video object segmentation on Ref-YouTube-VOS: each
# expression prompts every frame (its tokens join the decoder's
# self-attention), the queries are associated frame to frame and the track
# with the highest mean grounding score is the answer (the official R-VOS
# inference calls functions it never defines). J&F on every frame. The
# public valid split has no masks: this scores a split with annotations
# (train videos converted with
#   python tools/dataset_converters/vos2cocovid.py palette \
#       data/ref_youtube_vos/train/JPEGImages \
#       data/ref_youtube_vos/train/Annotations \
#       data/ref_youtube_vos/annotations/train_cocovid.json
# and meta_expressions/train/meta_expressions.json). Test only. The VOS
# protocol of the DAVIS config with an expression per object in place of
# its first-frame mask.
_base_ = './glee-lite_r50_davis17-vos.py'

data_root = 'data/ref_youtube_vos/'
prompts = dict(type='FormatGLEEPrompts', task='grounding',
               dn_table='grounding')
test_dataloader = dict(
    dataset=dict(
        type='RefVOSDataset',
        data_root=data_root,
        ann_file='annotations/train_cocovid.json',
        expression_file='meta_expressions/train/meta_expressions.json',
        data_prefix=dict(img_path='train/JPEGImages'),
        pipeline=[
            dict(type='TransformBroadcaster',
                 transforms=_base_.test_frame_transforms + [prompts]),
            _base_.pack_video
        ]))
val_dataloader = test_dataloader
test_evaluator = dict(semi_supervised=False)
val_evaluator = test_evaluator
