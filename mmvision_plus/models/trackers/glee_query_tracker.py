"""Frame-to-frame association of GLEE's object queries (MinVIS style).

GLEE needs no tracking head: its last decoder layer's object embeddings
are trained to match across frames (the IDOL-style contrastive loss of
``GLEEVideo``). At inference every query of the first frame starts a track
and each later frame's queries are assigned to the tracks one to one by
Hungarian matching on ``1 - cosine`` between the queries and the mean of
each track's last ``num_memory_frames`` (official 3) embeddings, as the
official ``GLEE.MinVIS_inference`` / ``match_from_embds``.

Two baselines for the comparison in ``configs/glee/README.md``:

* ``association='iou'``: the same matching on ``1 - IoU`` between the
  queries' boxes and each track's last box;
* ``association='none'``: the same detections as ``'embedding'`` (its
  tracks decide which objects a video keeps), but identities are not
  carried over: every frame gives its detections new identities
  (:attr:`GLEEQueryTracker.new_identity_every_frame`).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmdet.models.trackers import BaseTracker
from mmdet.structures.bbox import bbox_overlaps
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from mmvision_plus.registry import MODELS

TRACK_ASSOCIATIONS = ('embedding', 'iou', 'none')


@MODELS.register_module()
class GLEEQueryTracker(BaseTracker):
    """Assign each frame's object queries to tracks.

    Tracks never expire (a MinVIS track keeps every query: objects that
    leave and come back keep their identity).

    Args:
        association (str): ``'embedding'`` (default, MinVIS), ``'iou'`` or
            ``'none'`` (see the module docstring; it associates as
            ``'embedding'``, the model then renames every frame).
        num_memory_frames (int): Embeddings averaged per track. Default 3.
    """

    def __init__(self, association: str = 'embedding',
                 num_memory_frames: int = 3) -> None:
        if association not in TRACK_ASSOCIATIONS:
            raise ValueError(f'GLEEQueryTracker: association must be one of '
                             f'{TRACK_ASSOCIATIONS}, got {association!r}')
        if num_memory_frames < 1:
            raise ValueError('GLEEQueryTracker: num_memory_frames must be '
                             '>= 1')
        self.association = association
        self.num_memory_frames = num_memory_frames
        super().__init__(num_frames_retain=2**31)

    @property
    def new_identity_every_frame(self) -> bool:
        """Whether the output identities change every frame (the
        no-association baseline)."""
        return self.association == 'none'

    def _costs(self, embeds: Tensor, bboxes: Tensor,
               track_ids: list) -> Tensor:
        """(Q, R) cost of giving query q the track ``track_ids[r]``."""
        if self.association in ('embedding', 'none'):
            memory = self.get('embeds', track_ids,
                              num_samples=self.num_memory_frames,
                              behavior='mean')
            return 1 - F.normalize(embeds, dim=1) @ F.normalize(
                memory, dim=1).t()
        return 1 - bbox_overlaps(bboxes, self.get('bboxes', track_ids))

    def track(self, embeds: Tensor, bboxes: Tensor, frame_id: int,
              scores: Optional[Tensor] = None) -> Tensor:
        """Track ids of one frame's queries.

        Args:
            embeds (Tensor): (Q, C) object embeddings.
            bboxes (Tensor): (Q, 4) boxes, xyxy (any common frame).
            frame_id (int): The frame's index in the video.
            scores (Tensor, optional): Unused; for the BaseTracker-style
                call signature.

        Returns:
            Tensor: (Q, ) long track ids.
        """
        num = len(embeds)
        ids = torch.full((num, ), -1, dtype=torch.long)
        if not self.empty:
            track_ids = self.ids
            costs = self._costs(embeds.float(), bboxes.float(), track_ids)
            rows, cols = linear_sum_assignment(costs.detach().cpu().numpy())
            ids[torch.as_tensor(rows, dtype=torch.long)] = torch.as_tensor(
                [track_ids[c] for c in cols], dtype=torch.long)
        unmatched = ids < 0
        num_new = int(unmatched.sum())
        ids[unmatched] = torch.arange(self.num_tracks,
                                      self.num_tracks + num_new)
        self.num_tracks += num_new
        self.update(ids=ids, embeds=embeds.detach().cpu(),
                    bboxes=bboxes.detach().cpu(), frame_ids=frame_id)
        return ids
