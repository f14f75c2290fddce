# ViLT on the demo world, sized like the family's other demo models: one
# 4-layer 192-wide transformer (the image path of the others' ViT-t/16: 96
# px scenes, 36 patches of 16 px, linearly embedded, no image tower) over
# the demo world's closed word vocabulary (DemoWorldTokenizer: every token
# is a word, so whole-word masking masks words), 48 tokens, from scratch;
# ITM (half of the pairs with a random other scene) + MLM. Retrieval scores
# all 120 x 600 val pairs with the ITM head (72,000 fused passes per
# direction's matrix, computed once); the test also records the cost per
# text query over the 120-image gallery (RetrievalCostHook); that
# exhaustive scoring is why validation runs once, at the end. AdamW lr
# 5e-4, batch 64, 15 epochs.
_base_ = [
    '../_base_/models/vilt_vit-b32_bert-base.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_15e.py',
    '../_base_/image_text_cost_runtime.py',
]
model = dict(
    transformer=dict(img_size=96, patch_size=16, embed_dims=192,
                     num_layers=4, num_heads=3),
    tokenizer=dict(_delete_=True, type='DemoWorldTokenizer'),
    max_text_length=48,
    rerank_batch_size=600)

train_cfg = dict(val_interval=15)
