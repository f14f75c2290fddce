# BEiT-3 downstream on the demo world, from the pretraining's last
# checkpoint (run_table / vl_benchmark.py pass their run's:
# model.init_cfg.checkpoint=...): the dual encoder (BEiT3ForRetrieval's
# vision / language heads, ITC) and the fusion encoder as an image-text
# classifier (BEiT3ForVQA's pooler + head, matched / not matched on the
# positives and hard negatives); retrieval ranks by ITC alone, as the
# official BEiT3ForRetrieval does (re-ranking the top 16 with the fusion
# classifier: --cfg-options model.rerank_topk=16); the test also records
# the cost per text query (RetrievalCostHook). 10 epochs, AdamW lr 5e-4,
# batch 64: with the pretraining the family's 15-epoch demo budget.
_base_ = [
    '../_base_/models/beit3_multiway-t16_demo.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_20e.py',
    '../_base_/image_text_cost_runtime.py',
]
model = dict(
    tasks=('itc', 'itm'),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/'
        'beit3_multiway-t16_1xb64-5e_demo-world-pretrain/epoch_5.pth'))

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
