# MDRL (AAAI 2024): ViT-B/16 image branch, frozen BERT-base + LTE text branch,
# DLL (P visual / Q text groups) and CIM (K layers), ID + CMPM losses.
# The paper does not state every size; unstated values (LTE layers, K, P, Q,
# D) are marked "ours" -- they are the middle of the paper's ablation ranges.
model = dict(
    type='MDRL',
    num_classes=11003,  # CUHK-PEDES training identities
    embed_dims=768,  # ours: the width of both encoders
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    image_encoder=dict(
        type='mmpretrain.VisionTransformer',
        arch='b',
        img_size=(384, 128),
        patch_size=16,
        out_type='raw',  # (B, 1 + 24*8, 768) tokens, [cls] first
        drop_path_rate=0.1,
        init_cfg=dict(
            type='Pretrained',
            # mmpretrain ViT-B/16 (ImageNet-21k pre-trained, 1k fine-tuned);
            # its 24x24 position embedding is resized to 24x8 on loading.
            checkpoint='data/pretrained/vit-base-p16_in21k-pre-3rdparty_'
            'ft-64xb64_in1k-384_20210928-98e8652b.pth',
            prefix='backbone.')),
    text_encoder=dict(
        type='BertTextEncoder',
        pretrained='data/pretrained/bert-base-uncased',
        # bert-base-uncased, so the model builds before the weights exist
        arch=dict(
            vocab_size=30522,
            hidden_size=768,
            num_hidden_layers=12,
            num_attention_heads=12,
            intermediate_size=3072,
            max_position_embeddings=512,
            type_vocab_size=2),
        frozen=True,
        num_lte_layers=2),  # ours
    dll=dict(num_visual_groups=4, num_text_groups=4, num_heads=12),  # ours
    cim=dict(num_layers=2, num_heads=12),  # ours
    match_loss=dict(type='CMPMLoss'),
    id_loss=dict(type='IdentityLoss'))
