# CLIP sized for the demo world on a 2-core CPU: open_clip's CLIP with a
# 4-layer 192-wide ViT/16 on 96 px scenes (36 patches) and a 3-layer
# 128-wide causal text transformer, both from scratch. The text tower reads
# the demo world's closed word vocabulary (DemoWorldTokenizer, 63 ids,
# pooled at [SEP]; context 48, the longest demo caption has 45 words and
# marks) instead of open_clip's 49,408-token BPE: the BPE embedding table
# alone made the optimizer step cost more than the forward pass. 128-d
# embeddings, ITC with the learnable temperature (init 0.07), captions of
# one image all positives.
_base_ = './clip_vit-b16.py'
model = dict(
    clip=dict(
        _delete_=True,
        embed_dim=128,
        vision_cfg=dict(layers=4, width=192, head_width=64, patch_size=16,
                        image_size=96),
        text_cfg=dict(context_length=48, vocab_size=63, width=128, heads=4,
                      layers=3, pool_type='eos', eos_id=3, pad_id=0)),
    tokenizer=dict(_delete_=True, type='DemoWorldTokenizer'),
    max_text_length=48)
