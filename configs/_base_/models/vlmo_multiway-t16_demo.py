# VLMo sized for the demo world (the family's demo image path: a 4-layer
# 192-wide transformer on 96 px scenes, 36 patches of 16 px): the VL-FFN in
# the top 2 of 4 layers (VLMo-B: top 2 of 12), layer scale 0.1, relative
# position bias; the demo world's closed word vocabulary (DemoWorldTokenizer,
# every token a word), 48 tokens; no stochastic depth. The stage configs
# choose the tasks and the frozen parameters; the image stage reads the
# k-means visual tokenizer built by
#   python tools/analysis_tools/build_visual_tokenizer.py \
#       configs/vlmo/vlmo_multiway-t16_1xb64-3e_demo-world-stage1-mim.py
_base_ = [
    './vlmo_multiway-b16_bert-base.py', './demo_world_visual_tokenizer.py'
]
model = dict(
    transformer=dict(img_size=96, patch_size=16, embed_dims=192,
                     num_layers=4, num_heads=3, vl_ffn_start=2,
                     drop_path_rate=0.0),
    tokenizer=dict(_delete_=True, type='DemoWorldTokenizer'),
    max_text_length=48,
    visual_tokenizer=_base_.demo_world_visual_tokenizer)
# The stages' frozen parameters. The image path: everything an image-only
# pass uses but the token-type and relative-position tables (rows shared
# with the texts; in a text stage their image rows get exactly zero
# gradient and, with no weight decay on them, Adam leaves them unchanged).
image_path = [
    'transformer.patch_embed.*', 'transformer.cls_token',
    'transformer.blocks.*.norm1.*', 'transformer.blocks.*.attn.*',
    'transformer.blocks.*.gamma_?', 'transformer.blocks.*.norm2_imag.*',
    'transformer.blocks.*.mlp_imag.*', 'transformer.norm.*'
]
text_path = [
    'text_embeddings.*', 'transformer.blocks.*.norm2_text.*',
    'transformer.blocks.*.mlp_text.*'
]
vl_expert = [
    'transformer.blocks.*.norm2_vl.*', 'transformer.blocks.*.mlp_vl.*'
]
frozen_in_image_stage = text_path + vl_expert
frozen_in_text_stage = image_path + vl_expert
# The stages' optimizer delta: frozen parameters leave the optimizer, no
# weight decay on tokens and tables (children: optim_wrapper = {{...}}).
vlmo_optim_wrapper = dict(
    constructor='TrainableParamsOptimWrapperConstructor',
    paramwise_cfg=dict(custom_keys={
        'token_type_embeddings': dict(decay_mult=0.),
        'relative_position_bias_table': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.),
        'mask_token': dict(decay_mult=0.),
    }))
