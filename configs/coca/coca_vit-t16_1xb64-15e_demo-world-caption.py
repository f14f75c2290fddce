# The demo-world CoCa evaluated as a captioner: it trains exactly as the
# retrieval config and validates / tests by beam search (3 beams, 5-48
# tokens) on the val scenes, BLEU-4 and CIDEr-D against their 5 reference
# captions. A checkpoint of the retrieval config tests with it as well:
#   python tools/test.py \
#       configs/coca/coca_vit-t16_1xb64-15e_demo-world-caption.py \
#       work_dirs/coca_vit-t16_1xb64-15e_demo-world/epoch_15.pth
_base_ = './coca_vit-t16_1xb64-15e_demo-world.py'
val_cfg = dict(_delete_=True, type='ValLoop')
test_cfg = dict(_delete_=True, type='TestLoop')
val_evaluator = dict(_delete_=True, type='CaptionBleuCider')
test_evaluator = val_evaluator
custom_hooks = [dict(type='CheckFiniteLossHook', interval=1)]
default_hooks = dict(checkpoint=dict(save_best='caption/CIDEr'))
