# VLMo stage 3 on the demo world: image-text pretraining (ITC on the V/L-FFN
# and on the VL-FFN features, ITM with hard negatives from the ITC
# similarity, whole-word MLM of weight 0.25) trains everything, from stage
# 2's last checkpoint (run_table / vl_benchmark.py pass their run's:
# model.init_cfg.checkpoint=...), the VL-FFN starting as a copy of the
# L-FFN. Retrieval as a dual encoder (dot product of the V-FFN and L-FFN
# [CLS] features, as VLMo retrieves); the test also records the cost per
# text query (RetrievalCostHook). 10 epochs, AdamW lr 5e-4, batch 64: with
# stages 1 and 2 the family's 15-epoch demo budget.
_base_ = [
    '../_base_/models/vlmo_multiway-t16_demo.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_20e.py',
    '../_base_/image_text_cost_runtime.py',
]
model = dict(
    tasks=('itc', 'itm', 'mlm'),
    vl_ffn_init='text',
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/'
        'vlmo_multiway-t16_1xb64-2e_demo-world-stage2-textmlm/epoch_2.pth'))

optim_wrapper = {{_base_.vlmo_optim_wrapper}}

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
