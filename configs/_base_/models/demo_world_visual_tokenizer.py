# The demo world's k-means visual tokenizer (256 pixel-patch codes), the
# masked-image targets of the demo BEiT-3 and VLMo; built by
# tools/analysis_tools/build_visual_tokenizer.py.
demo_world_visual_tokenizer = dict(
    type='KMeansVisualTokenizer',
    codebook='data/demo_world/visual_tokenizer/kmeans256_pixels.pth',
    num_tokens=256)
