# GLEE-Lite zero-shot open-world tracking on BURST val (TAO videos): the
# prompt "object" (class-agnostic, dn table 'grounding' as the official
# open-world tasks), MinVIS association, class-agnostic HOTA / MOTA / IDF1
# on masks with trackeval. Annotations converted to CocoVID with
#   python tools/dataset_converters/vos2cocovid.py burst \
#       data/burst/annotations/val/all_classes.json \
#       data/burst/annotations/burst_val_cocovid.json
# frames under data/burst/frames/val/<dataset>/<sequence>/. Test only
# (official checkpoint: tools/model_converters/glee2mmvp.py). Paper
# (GLEE-Lite): BURST HOTA 22.6 (its TAO TETA 40.1 is not implemented here).
_base_ = [
    '../_base_/models/glee-lite_r50_video.py',
    '../_base_/datasets/glee_youtube_vis_2019.py',
    '../_base_/video_test_runtime.py'
]
data_root = 'data/burst/'
prompts = dict(type='FormatGLEEPrompts', task='open_world',
               dn_table='grounding', classes=('object', ))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='BaseVideoDataset',
        data_root=data_root,
        metainfo=dict(classes=('object', )),
        ann_file='annotations/burst_val_cocovid.json',
        data_prefix=dict(img_path='frames/val'),
        test_mode=True,
        pipeline=[
            dict(type='TransformBroadcaster',
                 transforms=_base_.test_frame_transforms + [prompts]),
            _base_.pack_video
        ]))
val_dataloader = test_dataloader
test_evaluator = dict(_delete_=True, type='TrackEvalMOTMetric',
                      iou_type='segm', score_thr=0.3)
val_evaluator = test_evaluator
train_dataloader = None
