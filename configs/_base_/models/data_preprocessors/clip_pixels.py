# Images as CLIP reads them: RGB, normalised with OpenAI CLIP's mean and
# std (0-255 scale). The model bases of CLIP, CoCa, ALBEF and BLIP inherit
# it; their ViTs and checkpoints expect these pixels.
model = dict(
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        mean=[122.770938, 116.7460125, 104.09373615],
        std=[68.5005327, 66.6321579, 70.32316305],
        to_rgb=True))
