"""Weighted k-NN voting against hand-computed cases."""
import math

import pytest
import torch

from mmvision_plus.evaluation.functional import knn_accuracy, knn_classify


def test_knn_weights_hand_case():
    # Four unit training vectors in 2-D; the test vector is (1, 0).
    train = torch.tensor([[1., 0.], [0., 1.], [-1., 0.], [0.6, 0.8]])
    labels = torch.tensor([0, 1, 1, 1])
    test = torch.tensor([[2., 0.]])  # normalised to (1, 0)
    # Cosine similarities: 1, 0, -1, 0.6. k=2 keeps 1 (class 0), 0.6
    # (class 1); weights exp(s / T).
    t = 0.5
    scores = knn_classify(train, labels, test, num_classes=2, k=2,
                          temperature=t)
    assert scores[0, 0].item() == pytest.approx(math.exp(1 / t))
    assert scores[0, 1].item() == pytest.approx(math.exp(0.6 / t))
    # k=4: class 1 gathers e^0 + e^-2 + e^1.2 = 4.46 < e^2 = 7.39 (class 0).
    scores = knn_classify(train, labels, test, num_classes=2, k=4,
                          temperature=t)
    assert scores[0, 1].item() == pytest.approx(
        math.exp(0) + math.exp(-1 / t) + math.exp(0.6 / t))
    assert scores.argmax(1).item() == 0


def test_knn_temperature_changes_the_winner():
    # One very similar neighbour of class 0 against three fairly similar
    # ones of class 1: a low temperature trusts the nearest one, a high
    # temperature counts votes.
    train = torch.tensor([[1., 0.], [0.8, 0.6], [0.8, -0.6], [0.8, 0.6]])
    labels = torch.tensor([0, 1, 1, 1])
    test = torch.tensor([[1., 0.]])
    low = knn_classify(train, labels, test, 2, k=4, temperature=0.05)
    high = knn_classify(train, labels, test, 2, k=4, temperature=10.)
    assert low.argmax(1).item() == 0
    assert high.argmax(1).item() == 1


def test_knn_accuracy_and_chunking():
    gen = torch.Generator().manual_seed(0)
    centres = torch.randn(5, 16, generator=gen) * 4
    train_labels = torch.arange(5).repeat(20)
    test_labels = torch.arange(5).repeat(4)
    train = centres[train_labels] + torch.randn(100, 16, generator=gen)
    test = centres[test_labels] + torch.randn(20, 16, generator=gen)
    res = knn_accuracy(train, train_labels, test, test_labels, 5,
                       ks=(1, 20), topk=(1, 5, 10))
    assert res['20-NN top-1'] == pytest.approx(100.)
    assert res['1-NN top-5'] == pytest.approx(100.)
    assert '20-NN top-10' not in res  # more than the 5 classes
    a = knn_classify(train, train_labels, test, 5, chunk_size=3)
    b = knn_classify(train, train_labels, test, 5, chunk_size=1000)
    torch.testing.assert_close(a, b)
    # Flipping the test labels must break the accuracy.
    res = knn_accuracy(train, train_labels, test, (test_labels + 1) % 5, 5)
    assert res['20-NN top-1'] == pytest.approx(0.)


def test_knn_bad_input():
    train = torch.randn(4, 3)
    with pytest.raises(ValueError, match='dims differ'):
        knn_classify(train, torch.zeros(4), torch.randn(2, 5), 2)
    with pytest.raises(ValueError, match='train_labels outside'):
        knn_classify(train, torch.tensor([0, 1, 2, 3]), torch.randn(2, 3), 3)
    with pytest.raises(ValueError, match='temperature'):
        knn_classify(train, torch.zeros(4), torch.randn(2, 3), 2,
                     temperature=0)
