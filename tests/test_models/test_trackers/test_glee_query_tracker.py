"""GLEEQueryTracker: MinVIS association keeps identities through a swap of
positions and a missing frame; the box-IoU and no-association baselines."""
import pytest
import torch

from mmvision_plus.models.trackers import GLEEQueryTracker

# three objects with distinct embeddings, background queries orthogonal
A, B, BG1, BG2, BG3 = torch.eye(5)


def boxes(*centres):
    return torch.tensor([[x - 5., y - 5., x + 5., y + 5.]
                         for x, y in centres])


def run(association, frames):
    tracker = GLEEQueryTracker(association=association)
    return [tracker.track(embeds, bbs, t).tolist()
            for t, (embeds, bbs) in enumerate(frames)]


def test_identities_survive_a_swap_and_a_missing_frame():
    frames = [
        # A left, B right, background
        (torch.stack([A, B, BG1]), boxes((10, 10), (50, 10), (90, 90))),
        # A and B swap positions (and query slots)
        (torch.stack([B + .1 * BG2, A + .1 * BG2, BG1]),
         boxes((10, 10), (50, 10), (90, 90))),
        # A is missing: its query slot shows background
        (torch.stack([B, BG2, BG3]), boxes((10, 10), (70, 70), (90, 90))),
        # A is back, in another slot
        (torch.stack([BG3, B, A]), boxes((90, 90), (10, 10), (50, 10))),
    ]
    ids = run('embedding', frames)
    a, b = ids[0][0], ids[0][1]
    assert ids[1][:2] == [b, a]
    assert ids[2][0] == b and a not in ids[2][:1]
    assert ids[3][1:] == [b, a]
    # MinVIS: every query of the first frame is a track, nothing new later
    assert all(sorted(frame) == sorted(ids[0]) for frame in ids)


def test_box_iou_association_follows_positions_not_objects():
    frames = [
        (torch.stack([A, B]), boxes((10, 10), (50, 10))),
        (torch.stack([B, A]), boxes((10, 10), (50, 10))),  # swapped
    ]
    ids = run('iou', frames)
    assert ids[1] == ids[0]  # the slot at the same place keeps the id
    assert run('embedding', frames)[1] == ids[0][::-1]


def test_no_association_associates_as_embeddings_for_the_selection():
    """The baseline keeps the embedding association's tracks (so the same
    detections are kept); the model renames them every frame."""
    frames = [(torch.stack([A, B]), boxes((10, 10), (50, 10))),
              (torch.stack([B, A]), boxes((10, 10), (50, 10)))]
    assert run('none', frames) == run('embedding', frames)
    assert GLEEQueryTracker(association='none').new_identity_every_frame
    assert not GLEEQueryTracker().new_identity_every_frame


def test_mean_of_the_last_three_embeddings():
    tracker = GLEEQueryTracker(num_memory_frames=3)
    for t, e in enumerate([A, A, B, B]):
        tracker.track(e[None], boxes((0, 0)), t)
    memory = tracker.get('embeds', [0], num_samples=3, behavior='mean')
    assert torch.allclose(memory[0], (A + 2 * B) / 3)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match='association'):
        GLEEQueryTracker(association='kalman')
    with pytest.raises(ValueError, match='num_memory_frames'):
        GLEEQueryTracker(num_memory_frames=0)
