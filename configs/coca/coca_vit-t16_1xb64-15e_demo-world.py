# CoCa on the demo world, sized like the family's demo models: open_clip's
# CoCa with a 4-layer 192-wide ViT/16 on 96 px scenes (36 patches) and the
# paper's pooling (attentional_pool='parallel': 256 queries for the
# decoder + 1 contrastive query; open_clip's parallel pooling needs the
# ViT width = embed_dim = 192), a text decoder of 2 unimodal causal layers
# ([CLS] appended: the contrastive text embedding) and 2 multimodal layers
# (cross-attention to the 256 pooled tokens), 192 wide, over the demo
# world's closed word vocabulary (DemoWorldTokenizer, 63 ids, [CLS] as BOS,
# [SEP] as EOS, 48 tokens), from scratch. One forward pass, CoCaLoss:
# contrastive weight 1, captioning weight 2. Validation is retrieval (dual
# encoder); the -caption config scores the same checkpoint as a captioner;
# the test also records the cost per text query (RetrievalCostHook). AdamW
# lr 5e-4, batch 64, 15 epochs.
_base_ = [
    '../_base_/models/coca_vit-b32.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw_15e.py',
    '../_base_/image_text_cost_runtime.py',
]
demo_vocab = 63
model = dict(
    clip=dict(
        _delete_=True,
        embed_dim=192,
        pad_id=0,
        vision_cfg=dict(image_size=96, layers=4, width=192, head_width=64,
                        patch_size=16, attentional_pool='parallel',
                        attn_pooler_queries=256, attn_pooler_heads=3,
                        output_tokens=True),
        text_cfg=dict(context_length=48, vocab_size=demo_vocab, width=192,
                      heads=3, layers=2, embed_cls=True, output_tokens=True,
                      pad_id=0),
        multimodal_cfg=dict(context_length=48, vocab_size=demo_vocab,
                            width=192, heads=3, layers=2,
                            attn_pooler_heads=3)),
    tokenizer=dict(_delete_=True, type='DemoWorldTokenizer'),
    max_text_length=48,
    generation=dict(num_beams=3, max_length=48))
