"""GLEE on videos: MOT and video instance segmentation (VIS), video object
segmentation (VOS) and referring VOS (R-VOS), with no tracking head.

The model is :class:`~.glee.GLEE` (same weights: an image checkpoint loads
as it is) fed mmdet's video batches (``TrackDataPreprocessor``: inputs
(N, T, 3, H, W), ``TrackDataSample`` per video):

* training samples frames of a video (mmdet's ``UniformRefFrameSample``,
  official: 2 frames within 5), computes GLEE's image losses on every
  frame, and adds the IDOL-style contrastive loss between the last decoder
  layer's embeddings of the queries matched to the same instance in
  consecutive frames, against the other instances and unmatched queries
  (mmdet's ``MultiPosCrossEntropyLoss``, weight 2, official);
* inference runs windows of frames (official 10) through GLEE, associates
  the queries frame to frame with :class:`GLEEQueryTracker` (MinVIS:
  Hungarian on ``1 - cosine`` with the mean of a track's last 3
  embeddings), averages each track's per-frame logits, and keeps the top
  (track, class) pairs of the video (official 30);
* the frames' ``task`` picks the prompt: class names (``instance``,
  ``det``, ``open_world``: VIS / MOT), one expression (``grounding``:
  R-VOS, the best track of the video), or visual prompts
  (``interactive``: VOS; each object is prompted where it first appears,
  with the first frame's ``visual_prompt`` metainfo or, for benchmarks, its
  GT mask there; the prompt's template and point tokens, taken from that
  frame, are reused on the later frames as in the official
  ``video_visualP``; the best track by mean confidence is the object).

The official R-VOS inference is unfinished (it calls undefined functions)
and its VOS inference reads only the first frame; both run here end to end.
"""
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.structures import InstanceData
from torch import Tensor

from mmvision_plus.models.dense_heads.glee_head import _masks_to_tensor
from mmvision_plus.models.layers.glee_visual_prompt import VisualPrompt
from mmvision_plus.registry import MODELS
from .glee import GLEE, PromptError

VIDEO_TASKS = ('det', 'instance', 'open_world', 'grounding', 'interactive')


@MODELS.register_module()
class GLEEVideo(GLEE):
    """GLEE for MOT, VIS, VOS and R-VOS on mmdet's video batches.

    Args:
        tracker (dict): The query association (``GLEEQueryTracker``).
            Default MinVIS embedding association.
        loss_track (dict): The contrastive tracking loss. Default mmdet's
            ``MultiPosCrossEntropyLoss``, weight 2.0 (official).
        num_track_negatives (int): Unmatched queries of the reference frame
            drawn as extra negatives per frame pair (official 20).
        window_size (int): Frames per forward pass at inference (official
            10).
        max_tracks (int): (track, class) pairs kept per video (official
            30).
        **kwargs: :class:`GLEE` arguments.
    """

    def __init__(self,
                 *args,
                 tracker: dict = dict(type='GLEEQueryTracker'),
                 loss_track: dict = dict(
                     type='mmdet.MultiPosCrossEntropyLoss',
                     loss_weight=2.0),
                 num_track_negatives: int = 20,
                 window_size: int = 10,
                 max_tracks: int = 30,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if window_size < 1 or max_tracks < 1:
            raise ValueError('GLEEVideo: window_size and max_tracks must be '
                             '>= 1')
        self.tracker_cfg = tracker
        self.loss_track = MODELS.build(loss_track)
        self.num_track_negatives = num_track_negatives
        self.window_size = window_size
        self.max_tracks = max_tracks

    # ------------------------------------------------------------------ #
    # training
    # ------------------------------------------------------------------ #
    @staticmethod
    def _frames(inputs: Tensor,
                data_samples: List[TrackDataSample]) -> Tuple[Tensor, list]:
        """(N, T, 3, H, W) + TrackDataSamples -> (N T, 3, H, W) + frames."""
        if inputs.dim() != 5:
            raise ValueError(
                'GLEEVideo takes video batches (N, T, 3, H, W) from mmdet\'s '
                f'TrackDataPreprocessor, got {tuple(inputs.shape)}')
        frames = [f for video in data_samples
                  for f in video.video_data_samples]
        if len(frames) != inputs.shape[0] * inputs.shape[1]:
            raise ValueError(f'GLEEVideo: {len(frames)} frame samples for '
                             f'inputs {tuple(inputs.shape)}')
        return inputs.flatten(0, 1), frames

    def loss(self, inputs: Tensor,
             data_samples: List[TrackDataSample]) -> Dict[str, Tensor]:
        """GLEE's losses on every frame + the tracking contrastive loss.

        Args:
            inputs (Tensor): (N, T, 3, H, W).
            data_samples (list[TrackDataSample]): Frames with
                ``gt_instances`` (``instances_ids``: track ids).

        Returns:
            dict[str, Tensor]: GLEE's losses and ``loss_track``.
        """
        num_videos, num_frames = inputs.shape[:2]
        images, frames = self._frames(inputs, data_samples)
        for frame in frames:
            if 'instances_ids' not in frame.gt_instances:
                raise KeyError(
                    'GLEEVideo: frame sample without gt_instances.'
                    'instances_ids (LoadTrackAnnotations + PackTrackInputs)')
        losses, outputs = self.loss_and_outputs(images, frames,
                                                visual_prompts=False)
        losses['loss_track'] = self.tracking_loss(
            outputs, frames, num_videos, num_frames)
        return losses

    def match_last_layer(self, outputs: Dict,
                         frames: list) -> List[Tuple[Tensor, Tensor]]:
        """Hungarian matching of the last layer's queries to each frame's
        GT, with the head's assigner (as the official tracking loss
        re-matches).

        Returns:
            list[tuple[Tensor, Tensor]]: Per frame the matched query
            indices (among the matching queries) and their track ids.
        """
        out = outputs['layer_outputs'][-1]
        dn_meta = outputs['head_inputs']['dn_meta']
        num_dn = dn_meta['num_denoising_queries'] if dn_meta else 0
        class_mask = outputs['prompts']['class_mask']
        with_mask = out['masks'] is not None
        matches = []
        with torch.no_grad():
            for i, frame in enumerate(frames):
                gt, meta = frame.gt_instances, frame.metainfo
                gt_masks = _masks_to_tensor(
                    gt, meta['batch_input_shape'],
                    out['cls'].device) if with_mask else None
                q_inds, t_inds = self.bbox_head.assign(
                    out['cls'][i, num_dn:].detach(),
                    out['boxes'][i, num_dn:].detach(),
                    out['masks'][i].detach() if with_mask else None,
                    int(class_mask[i].sum()), gt, meta, gt_masks)
                matches.append((q_inds, gt.instances_ids[t_inds].to(
                    q_inds.device)))
        return matches

    def tracking_loss(self, outputs: Dict, frames: list, num_videos: int,
                      num_frames: int) -> Tensor:
        """The contrastive tracking loss of a training batch: the last
        decoder layer's matching-query embeddings (the tracking embeddings
        of inference), matched to each frame's GT, through
        :meth:`contrastive_loss`."""
        states = outputs['head_inputs']['hidden_states'][-1]
        dn_meta = outputs['head_inputs']['dn_meta']
        embeds = states[:, dn_meta['num_denoising_queries']
                        if dn_meta else 0:]
        return self.contrastive_loss(embeds,
                                     self.match_last_layer(outputs, frames),
                                     num_videos, num_frames)

    def contrastive_loss(self, embeds: Tensor,
                         matches: List[Tuple[Tensor, Tensor]],
                         num_videos: int, num_frames: int) -> Tensor:
        """IDOL-style contrastive loss between consecutive frames.

        For each query of frame t matched to an instance (a key), its dot
        products with the matched queries of frame t - 1 and
        ``num_track_negatives`` unmatched ones (the references) are one row
        of mmdet's ``MultiPosCrossEntropyLoss``: positives are the
        references of the same instance. Rows without a positive (the
        instance is new in frame t) are skipped. (The official loss scores
        all key / reference pairs of a frame pair in a single row; IDOL and
        this one use a row per key.)

        Args:
            embeds (Tensor): (N T, Q, C) object embeddings, frames of a
                video consecutive.
            matches (list[tuple[Tensor, Tensor]]): Per frame the matched
                query indices and their instance ids.
            num_videos (int): N.
            num_frames (int): T.

        Returns:
            Tensor: The loss (0 without any pair), averaged over the rows.
        """
        losses, num_rows = [], 0
        for video in range(num_videos):
            for t in range(1, num_frames):
                ref = video * num_frames + t - 1
                key = ref + 1
                ref_q, ref_ids = matches[ref]
                key_q, key_ids = matches[key]
                if len(key_q) == 0 or len(ref_q) == 0:
                    continue
                unmatched = torch.ones(embeds.shape[1], dtype=torch.bool,
                                       device=embeds.device)
                unmatched[ref_q] = False
                candidates = torch.nonzero(unmatched).squeeze(1)
                negatives = candidates[torch.randperm(
                    len(candidates),
                    device=embeds.device)[:self.num_track_negatives]]
                references = torch.cat([ref_q, negatives])
                reference_ids = torch.cat(
                    [ref_ids, ref_ids.new_full((len(negatives), ), -1)])
                labels = (key_ids[:, None] == reference_ids[None]).long()
                rows = labels.any(1)
                if not rows.any():
                    continue
                logits = embeds[key, key_q[rows]] @ embeds[ref,
                                                           references].t()
                losses.append(self.loss_track(
                    logits, labels[rows], reduction_override='sum'))
                num_rows += int(rows.sum())
        if not losses:
            return embeds.sum() * 0.
        return sum(losses) / num_rows

    # ------------------------------------------------------------------ #
    # inference
    # ------------------------------------------------------------------ #
    def predict(self,
                inputs: Tensor,
                data_samples: List[TrackDataSample],
                rescale: bool = True) -> List[TrackDataSample]:
        """Tracks of every video of the batch.

        Args:
            inputs (Tensor): (N, T, 3, H, W).
            data_samples (list[TrackDataSample]): Videos (whole videos:
                mmdet's video test pipeline), frames with their prompts.
            rescale (bool): Boxes and masks in the original frames.

        Returns:
            list[TrackDataSample]: The videos, each frame with
            ``pred_track_instances``: ``instances_id``, ``labels`` (indices
            into the prompts), ``scores`` (the track's video score),
            ``frame_scores`` (this frame's), ``bboxes`` and ``masks``.
        """
        if inputs.dim() != 5:
            raise ValueError(
                'GLEEVideo takes video batches (N, T, 3, H, W), got '
                f'{tuple(inputs.shape)}')
        for video, frames in zip(inputs, data_samples):
            samples = list(frames.video_data_samples)
            task = samples[0].metainfo.get('task', 'instance')
            if task not in VIDEO_TASKS:
                raise PromptError(f'unknown video task {task!r}; one of '
                                  f'{VIDEO_TASKS}')
            if task == 'interactive':
                results = self.predict_vos(video, samples, rescale)
            else:
                max_tracks = 1 if task == 'grounding' else self.max_tracks
                outs = self.forward_frames(video, samples)
                results = self.video_instances(outs, samples, max_tracks,
                                               'cls', rescale)
            for sample, result in zip(samples, results):
                sample.pred_track_instances = result
        return data_samples

    def forward_frames(self, video: Tensor, samples: List[DetDataSample],
                       visual: Optional[Dict] = None) -> List[Dict]:
        """Per-frame last-layer outputs, ``window_size`` frames at a time.

        Args:
            video (Tensor): (T, 3, H, W).
            samples (list[DetDataSample]): The T frames.
            visual (dict, optional): Encoded visual prompts of one frame to
                apply to every frame (VOS).

        Returns:
            list[dict]: Per frame ``cls`` (Q, N), ``conf`` (Q, 1), ``boxes``
            (Q, 4) normalised cxcywh, ``masks`` (Q, h, w) logits or None,
            ``embeds`` (Q, C) and ``class_mask`` (N, ) bool.
        """
        outs = []
        for start in range(0, len(samples), self.window_size):
            stop = min(start + self.window_size, len(samples))
            window = visual
            if visual is not None:
                window = _repeat_visual(visual, stop - start)
            out, prompts, embeds = self.forward_last_layer(
                video[start:stop], samples[start:stop], window)
            for i in range(stop - start):
                outs.append(dict(
                    cls=out['cls'][i], conf=out['conf'][i],
                    boxes=out['boxes'][i],
                    masks=None if out['masks'] is None else out['masks'][i],
                    embeds=embeds[i], class_mask=prompts['class_mask'][i]))
        return outs

    def video_instances(self, outs: List[Dict], samples: List[DetDataSample],
                        max_tracks: int, score_key: str,
                        rescale: bool) -> List[InstanceData]:
        """Associate the frames' queries and keep the best tracks.

        A track's logits are the mean of its queries' per-frame logits
        (official: ``sum(out_logits) / len(out_logits)``), its score their
        sigmoid; the top ``max_tracks`` (track, class) pairs of the video
        are kept, each one identity (renamed every frame by the
        no-association baseline).

        Args:
            outs (list[dict]): :meth:`forward_frames` output.
            samples (list[DetDataSample]): The frames (metainfo).
            max_tracks (int): (track, class) pairs kept.
            score_key (str): ``'cls'`` (class / expression logits) or
                ``'conf'`` (confidence, visual prompts).
            rescale (bool): Boxes and masks in the original frames.

        Returns:
            list[InstanceData]: Per frame the kept tracks present there
            (non-empty mask, for mask tasks).
        """
        tracker = MODELS.build(self.tracker_cfg)
        track_ids = []
        for t, (out, sample) in enumerate(zip(outs, samples)):
            boxes = self.bbox_head._pixel_boxes(out['boxes'], sample.metainfo)
            track_ids.append(tracker.track(out['embeds'], boxes, t))
        ids = torch.stack(track_ids)  # (T, Q)
        num_classes = int(outs[0]['class_mask'].sum()) \
            if score_key == 'cls' else 1
        logits = torch.stack([o[score_key][:, :num_classes] for o in outs])
        _, track_of = torch.unique(ids, return_inverse=True)  # (T, Q)
        num_tracks = int(track_of.max()) + 1
        flat = track_of.flatten().to(logits.device)
        sums = logits.new_zeros((num_tracks, num_classes)).index_add_(
            0, flat, logits.flatten(0, 1))
        counts = torch.bincount(flat, minlength=num_tracks).clamp(min=1)
        track_scores = (sums / counts[:, None]).sigmoid()
        tracks, classes, scores, identities = self._top_pairs(
            track_scores, max_tracks)
        results = []
        for t, (out, sample) in enumerate(zip(outs, samples)):
            member = track_of[t][None, :] == tracks[:, None]  # (K, Q)
            present = member.any(1)
            query_inds = member.float().argmax(1)[present]
            classes, scores = classes[present], scores[present]
            frame_out = {k: (None if v is None else v[None])
                         for k, v in out.items()
                         if k in ('boxes', 'masks')}
            result = self.bbox_head._instances(
                frame_out, 0, query_inds, classes, scores,
                out['embeds'][None], sample.metainfo, rescale,
                mask_scoring=False)
            result.instances_id = identities[present]
            if tracker.new_identity_every_frame:  # no-association baseline
                result.instances_id = result.instances_id * len(outs) + t
            result.frame_scores = logits[t, query_inds, classes].sigmoid()
            if 'masks' in result:
                result = result[result.masks.flatten(1).any(1)]
            results.append(result)
        return results

    @staticmethod
    def _top_pairs(track_scores: Tensor, k: int) -> Tuple[Tensor, ...]:
        """The top ``k`` (track, class) pairs.

        Args:
            track_scores (Tensor): (num_tracks, num_classes).
            k (int): Pairs kept.

        Returns:
            tuple[Tensor, ...]: Their track indices, classes, scores and
            identities (unique per pair: ``track * num_classes + class``).
        """
        num_classes = track_scores.shape[1]
        top_scores, top = track_scores.flatten().topk(
            min(k, track_scores.numel()))
        pair_tracks = top // num_classes
        classes = top % num_classes
        return (pair_tracks, classes, top_scores,
                pair_tracks * num_classes + classes)

    # ------------------------------------------------------------------ #
    # VOS
    # ------------------------------------------------------------------ #
    def _vos_prompts(self, samples: List[DetDataSample]) -> List[Tuple]:
        """(first frame, VisualPrompt, object id) of each object to
        segment: the first frame's ``visual_prompt`` (object id 0), else
        each GT track's mask where it first appears (benchmarks)."""
        first = samples[0].metainfo.get('visual_prompt')
        if first is not None:
            return [(0, first, 0)]
        prompts, seen = [], set()
        for t, sample in enumerate(samples):
            gt = sample.get('gt_instances')
            if gt is None or 'masks' not in gt or \
                    'instances_ids' not in gt:
                raise PromptError(
                    'GLEEVideo VOS: give the first frame a visual_prompt, '
                    'or GT masks with instances_ids (LoadTrackAnnotations)')
            masks = gt.masks if isinstance(gt.masks, Tensor) else \
                torch.from_numpy(gt.masks.to_ndarray())
            for mask, object_id in zip(masks, gt.instances_ids.tolist()):
                if object_id in seen or not mask.any():
                    continue
                seen.add(object_id)
                prompts.append((t, VisualPrompt(mask=mask.cpu().numpy()),
                                object_id))
        return prompts

    def predict_vos(self, video: Tensor, samples: List[DetDataSample],
                    rescale: bool) -> List[InstanceData]:
        """Segment each prompted object from its prompt frame on.

        Returns:
            list[InstanceData]: Per frame the objects (``instances_id``: the
            GT track id, or 0 for a user's prompt), label 0.
        """
        if self.visual_prompter is None:
            raise PromptError('GLEEVideo VOS needs a model with a '
                              'visual_prompter')
        per_frame = [[] for _ in samples]
        for t0, prompt, object_id in self._vos_prompts(samples):
            key = DetDataSample(metainfo=dict(samples[t0].metainfo,
                                              visual_prompt=prompt))
            _, prompts, _ = self.forward_last_layer(video[t0:t0 + 1], [key])
            outs = self.forward_frames(video[t0:], samples[t0:],
                                       prompts['visual'])
            for t, result in enumerate(self.video_instances(
                    outs, samples[t0:], 1, 'conf', rescale)):
                result.instances_id = torch.full_like(result.labels,
                                                      object_id)
                per_frame[t0 + t].append(result)
        return [InstanceData.cat(r) if r else _empty_instances(
            video.device) for r in per_frame]


def _repeat_visual(visual: Dict, num: int) -> Dict:
    """One frame's encoded visual prompt for ``num`` frames."""
    def repeat(x):
        return x.expand(num, *x.shape[1:]) if isinstance(x, Tensor) else x
    out = {k: repeat(v) for k, v in visual.items()
           if k not in ('point_tokens', 'point_masks', 'data_samples')}
    out['point_tokens'] = [repeat(v) for v in visual['point_tokens']]
    out['point_masks'] = [repeat(v) for v in visual['point_masks']]
    return out


def _empty_instances(device) -> InstanceData:
    return InstanceData(
        bboxes=torch.zeros((0, 4), device=device),
        scores=torch.zeros(0, device=device),
        labels=torch.zeros(0, dtype=torch.long, device=device),
        instances_id=torch.zeros(0, dtype=torch.long, device=device))
