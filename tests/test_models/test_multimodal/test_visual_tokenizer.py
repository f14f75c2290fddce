"""The k-means visual tokenizer: patch features, nearest centroids, the
codebook file and its errors."""
import pytest
import torch
import torch.nn.functional as F

from mmvision_plus.models.multimodal.visual_tokenizer import (
    KMeansVisualTokenizer, encoder_patch_features, nearest_centroid,
    pixel_patch_features, save_codebook)


def test_pixel_features_are_patch_colour_grids():
    images = torch.zeros(1, 3, 32, 32)
    images[0, 0, :16, 16:] = 1.0  # top-right patch red
    images[0, 2, 16:, :8] = 2.0  # left half of the bottom-left patch blue
    feats = pixel_patch_features(images, patch_size=16, pixel_grid=2)
    assert feats.shape == (1, 4, 12)
    grid = feats.reshape(4, 3, 2, 2)  # patches in row-major order
    assert torch.equal(grid[1, 0], torch.ones(2, 2))
    assert torch.equal(grid[2, 2], torch.tensor([[2.0, 0.0], [2.0, 0.0]]))
    assert grid[0].abs().sum() == 0 and grid[3].abs().sum() == 0
    with pytest.raises(ValueError, match='multiple of pixel_grid'):
        pixel_patch_features(images, 16, 3)


def test_nearest_centroid_euclidean_and_cosine():
    centroids = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 1.0]])
    feats = torch.tensor([[[9.0, 1.0], [0.1, 0.1], [0.0, 5.0]]])
    assert nearest_centroid(feats, centroids, cosine=False).tolist() == [
        [1, 0, 2]]
    unit = F.normalize(centroids[1:], dim=1)
    assert nearest_centroid(F.normalize(feats, dim=-1), unit,
                            cosine=True).tolist() == [[0, 0, 1]]


def test_encoder_features_drop_cls_and_normalise():
    class Encoder(torch.nn.Module):
        def forward(self, images):
            return torch.arange(2 * 5 * 3.).reshape(2, 5, 3) + 1

    feats = encoder_patch_features(Encoder(), torch.zeros(2, 3, 32, 32), 4)
    assert feats.shape == (2, 4, 3)
    torch.testing.assert_close(feats.norm(dim=-1), torch.ones(2, 4))
    with pytest.raises(ValueError, match='tokens'):
        encoder_patch_features(Encoder(), torch.zeros(2, 3, 32, 32), 6)


def test_tokenizer_reads_its_codebook_lazily(tmp_path):
    centroids = torch.stack([torch.full((12, ), float(v)) for v in range(4)])
    path = str(tmp_path / 'sub' / 'codebook.pth')
    save_codebook(path, centroids, 'pixels', 16, pixel_grid=2)
    tokenizer = KMeansVisualTokenizer(path, num_tokens=4)
    assert tokenizer.centroids is None  # built without reading the file
    images = torch.zeros(2, 3, 32, 32)
    images[0, :, :16, :16] = 3.0
    images[1] = 1.2
    ids = tokenizer(images)
    assert ids.tolist() == [[3, 0, 0, 0], [1, 1, 1, 1]]
    assert 'centroids' not in tokenizer.state_dict()
    with pytest.raises(ValueError, match='not a multiple of the patch'):
        tokenizer(torch.zeros(1, 3, 20, 20))


def test_codebook_errors_name_the_file(tmp_path):
    missing = KMeansVisualTokenizer(str(tmp_path / 'none.pth'), 4)
    with pytest.raises(FileNotFoundError, match='build_visual_tokenizer'):
        missing.init_weights()
    path = str(tmp_path / 'cb.pth')
    save_codebook(path, torch.zeros(4, 12), 'pixels', 16, pixel_grid=2)
    with pytest.raises(ValueError, match='4 centroids, the model predicts 8'):
        KMeansVisualTokenizer(path, 8).init_weights()
    torch.save(dict(centroids=torch.zeros(4, 12)), path)
    with pytest.raises(KeyError, match="'source'"):
        KMeansVisualTokenizer(path, 4).init_weights()
    with pytest.raises(ValueError, match='source must be one of'):
        save_codebook(path, torch.zeros(4, 12), 'dalle', 16)
