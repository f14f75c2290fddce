"""DINOv2 self-supervised pretraining and distillation (Oquab et al., 2023).

A student :class:`~mmvision_plus.models.backbones.DINOv2ViT` with a DINO head
(and an iBOT head, or the DINO head shared) learns to match a teacher:

* image level: the teacher's prototype assignments of the cls token of each
  global crop are the targets of the student's cls tokens of the *other*
  global crop and of every local crop (official ``SSLMetaArch``);
* patch level (iBOT): the student sees the global crops with block-masked
  patches (the backbone's ``mask_token``); on the masked patches it matches
  the teacher's assignments of the unmasked patches;
* KoLeo spreads the student's global cls features within each crop's batch.

The teacher is an EMA of the student (mmpretrain's :class:`CosineEMA`,
momentum cosine from ``teacher_momentum`` to ``final_teacher_momentum``) or,
for distillation, a frozen pretrained network (``teacher=dict(...)``).
"""
import logging
from typing import Dict, List, Optional, Union

import torch
from mmengine.logging import MessageHub, print_log
from mmengine.runner.checkpoint import CheckpointLoader
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.models.utils import CosineEMA
from torch import Tensor, nn

from mmvision_plus.registry import MODELS


class IterationCosineEMA(CosineEMA):
    """mmpretrain's ``CosineEMA`` driven by the training iteration.

    ``CosineEMA`` anneals its momentum with its own update count, which is
    loaded with the weights: a run that starts from a checkpoint
    (``load_from``, e.g. the 518 px adaptation) would continue the old count
    against the new ``max_iters``. Here the schedule index is the runner's
    iteration minus one (message hub ``iter``; the update at the start of
    iteration t averages in the student of step t - 1, whose official
    momentum is ``m[t - 1]``), and the update count is used only without a
    runner. Student weight ``1 - m_t``, ``m_t = m_final - (m_final - m_0) *
    (1 + cos(pi t / max_iters)) / 2`` (official ``momentum_schedule``).
    """

    def avg_func(self, averaged_param: Tensor, source_param: Tensor,
                 steps: int) -> None:
        iteration = MessageHub.get_current_instance().get_info('iter')
        index = steps if iteration is None else max(int(iteration) - 1, 0)
        super().avg_func(averaged_param, source_param, index)


@MODELS.register_module()
class DINOv2(BaseSelfSupervisor):
    """DINOv2 self-distillation (mmpretrain's self-supervised conventions).

    Inputs are the views of ``DINOv2MultiCrop`` collated by
    ``dinov2_collate``: ``inputs = [global_1, global_2, local_1, ...]``, each
    (B, C, H, W), and ``masks`` (2B, N) bool for the global crops
    (view-major). Losses, as the official ``forward_backward`` (``n_l`` local
    crops, ``Z = 2 + max(2 n_l, 1)`` the number of (student, teacher) view
    pairs; 2 is ``(n_g - 1) n_g`` for the two global crops):

    * ``loss_dino_local = sum over (local, teacher view) pairs of
      DINOLoss / Z``;
    * ``loss_dino_global = 2 * DINOLoss(student global i, teacher global
      1 - i over both i) / Z`` (no loss between a view and itself);
    * ``loss_koleo = sum over the 2 global crops of KoLeoLoss(student cls)``
      (``KoLeoLoss.loss_weight`` 0.1);
    * ``loss_ibot = IBOTPatchLoss`` on the masked patches (the official
      ``* 2 * 1/2`` cancels).

    The official trainer logs ``loss_koleo`` and ``loss_ibot`` divided by 2;
    here every logged term is what enters the total.

    The EMA teacher (:class:`IterationCosineEMA`) is updated at the start of
    each training forward with the student weights of the previous step,
    mmpretrain's convention (BYOL, MoCo v3); that is the official update
    after the step, with the same momentum. Its first update copies the
    student (the official teacher starts as a copy). The teacher is always
    in eval mode (no drop path).

    Args:
        backbone: Student :class:`DINOv2ViT` config.
        dino_head: :class:`DINOv2ProjectionHead` config (``in_channels``
            defaults to the backbone's ``embed_dims``).
        ibot_head: Separate iBOT head config, or None to share the DINO head
            (the official ``ibot.separate_head``).
        dino_loss: :class:`DINOLoss` config (``out_dim`` defaults to the DINO
            head's prototypes).
        ibot_loss: :class:`IBOTPatchLoss` config, or None (no iBOT).
        koleo_loss: :class:`KoLeoLoss` config, or None (no KoLeo).
        teacher_momentum: EMA momentum at iteration 0 (0.992; 0.994 for L/g).
        final_teacher_momentum: EMA momentum at the last iteration (1.0).
        teacher_temp: Teacher temperature; ``TeacherTempWarmupHook`` sets it
            every iteration. Defaults to 0.07.
        teacher: Distillation: ``dict(backbone=..., dino_head=...,
            ibot_head=None, checkpoint=PATH)``, a frozen teacher built from
            these configs whose weights are loaded (strictly) from the EMA
            teacher of a checkpoint of this model (``teacher.module.*``)
            or, without ``checkpoint``, from the sub-configs' own
            ``init_cfg``. None: the EMA teacher.
        ibot_on_all_patches: Compute the iBOT loss on every patch of the
            unmasked global crops (the paper's distillation recipe) instead
            of on masked patches.
        data_preprocessor: Defaults to :class:`DINOv2DataPreprocessor`.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 dino_head: dict,
                 ibot_head: Optional[dict] = None,
                 dino_loss: dict = dict(type='DINOLoss'),
                 ibot_loss: Optional[dict] = dict(type='IBOTPatchLoss'),
                 koleo_loss: Optional[dict] = dict(
                     type='KoLeoLoss', loss_weight=0.1),
                 teacher_momentum: float = 0.992,
                 final_teacher_momentum: float = 1.0,
                 teacher_temp: float = 0.07,
                 teacher: Optional[dict] = None,
                 ibot_on_all_patches: bool = False,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        # built here, in our registry: mmpretrain's base builds in its own
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(
                dict(dict(type='DINOv2DataPreprocessor'),
                     **(data_preprocessor or {})))
        if isinstance(backbone, dict):
            backbone = MODELS.build(backbone)
        super().__init__(backbone=backbone,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not hasattr(self.backbone, 'forward_features'):
            raise TypeError('DINOv2: the backbone must be a DINOv2ViT '
                            f'(forward_features), got '
                            f'{type(self.backbone).__name__}')
        self.dino_head = self._build_head(dino_head, self.backbone)
        self.ibot_head = None if ibot_head is None else self._build_head(
            ibot_head, self.backbone)
        self.dino_loss = MODELS.build(
            dict(dict(out_dim=self.dino_head.num_prototypes), **dino_loss))
        self.ibot_loss = None if ibot_loss is None else MODELS.build(
            dict(dict(out_dim=self.ibot_head_of(
                self.student_parts).num_prototypes),
                 **ibot_loss))
        self.koleo_loss = None if koleo_loss is None else MODELS.build(
            koleo_loss)
        self.teacher_temp = teacher_temp
        self.ibot_on_all_patches = ibot_on_all_patches
        self.distillation = teacher is not None
        if self.distillation:
            self.teacher = self._build_frozen_teacher(teacher)
        else:
            # CosineEMA's momentum is the weight of the student
            self.teacher = IterationCosineEMA(self.student_parts,
                                     momentum=1 - teacher_momentum,
                                     end_momentum=1 - final_teacher_momentum)
        self.teacher.eval()

    # ------------------------------------------------------------ building
    @staticmethod
    def _build_head(cfg: dict, backbone: nn.Module) -> nn.Module:
        return MODELS.build(
            dict(dict(in_channels=backbone.embed_dims), **cfg))

    @staticmethod
    def ibot_head_of(parts: nn.ModuleDict) -> nn.Module:
        """The iBOT head of a student or teacher (the DINO head if shared)."""
        return parts['ibot_head'] if 'ibot_head' in parts else \
            parts['dino_head']

    @property
    def student_parts(self) -> nn.ModuleDict:
        """The student's trained modules, under the teacher's names."""
        parts = dict(backbone=self.backbone, dino_head=self.dino_head)
        if self.ibot_head is not None:
            parts['ibot_head'] = self.ibot_head
        return nn.ModuleDict(parts)

    def _build_frozen_teacher(self, cfg: dict) -> nn.ModuleDict:
        cfg = dict(cfg)
        unknown = set(cfg) - {'backbone', 'dino_head', 'ibot_head',
                              'checkpoint'}
        if unknown or 'backbone' not in cfg or 'dino_head' not in cfg:
            raise ValueError(
                'DINOv2: teacher must be dict(backbone=..., dino_head=..., '
                f'ibot_head=None, checkpoint=None); got keys {sorted(cfg)}')
        self.teacher_checkpoint = cfg.pop('checkpoint', None)
        backbone = MODELS.build(cfg['backbone'])
        parts = dict(backbone=backbone,
                     dino_head=self._build_head(cfg['dino_head'], backbone))
        if cfg.get('ibot_head') is not None:
            parts['ibot_head'] = self._build_head(cfg['ibot_head'], backbone)
        teacher = nn.ModuleDict(parts).requires_grad_(False)
        student = self.student_parts
        for name, head_of in (('DINO', lambda p: p['dino_head']),
                              ('iBOT', self.ibot_head_of)):
            theirs, ours = head_of(teacher), head_of(student)
            if theirs.num_prototypes != ours.num_prototypes:
                raise ValueError(
                    f'DINOv2: the teacher {name} head has '
                    f'{theirs.num_prototypes} prototypes, the student '
                    f'{ours.num_prototypes}')
        return teacher

    @property
    def teacher_parts(self) -> nn.ModuleDict:
        """The teacher's backbone and heads (EMA or frozen)."""
        return self.teacher if self.distillation else self.teacher.module

    def init_weights(self) -> None:
        """Initialise the student; load the distillation teacher."""
        super().init_weights()
        if self.distillation:
            for module in self.teacher.values():
                module.init_weights()
            if self.teacher_checkpoint:
                self._load_teacher(self.teacher_checkpoint)
            else:
                print_log(
                    'DINOv2: the distillation teacher has no checkpoint; its '
                    "modules keep their own init_cfg (heads without one are "
                    'random)', logger='current', level=logging.WARNING)

    def _load_teacher(self, path: str) -> None:
        """Load the EMA teacher of a checkpoint of this model, strictly."""
        ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        prefix = 'teacher.module.'
        teacher_state = {k[len(prefix):]: v for k, v in state.items()
                         if k.startswith(prefix)}
        if not teacher_state:
            raise ValueError(
                f"{path}: no '{prefix}*' weights; the distillation teacher "
                'loads the EMA teacher of a DINOv2 self-supervised '
                'checkpoint (for a backbone-only file use the backbone '
                "config's init_cfg=dict(type='Pretrained', checkpoint=...))")
        missing, unused = self.teacher.load_state_dict(teacher_state,
                                                       strict=False)
        if missing or unused:
            raise ValueError(f'{path}: the teacher does not match the '
                             f'checkpoint: missing {missing}, unused '
                             f'{unused}')

    def train(self, mode: bool = True) -> 'DINOv2':
        """Train mode for the student; the teacher stays in eval mode."""
        super().train(mode)
        self.teacher.eval()
        return self

    # ------------------------------------------------------------- forward
    def forward(self,
                inputs: Union[Tensor, List[Tensor]],
                data_samples: Optional[list] = None,
                masks: Optional[Tensor] = None,
                mode: str = 'tensor'):
        """``'loss'``: the loss dict; ``'tensor'``: student backbone
        features of the (first) view."""
        if mode == 'loss':
            return self.loss(inputs, data_samples, masks)
        if mode == 'tensor':
            views = inputs if isinstance(inputs, (list, tuple)) else [inputs]
            return self.extract_feat(views[0])
        raise RuntimeError(f'DINOv2: invalid mode {mode!r}')

    def loss(self,
             inputs: List[Tensor],
             data_samples: Optional[list] = None,
             masks: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """The DINOv2 loss terms (see the class doc).

        Args:
            inputs: ``[global_1, global_2, local_1, ...]``, each (B, C, H, W).
            data_samples: Unused.
            masks: (2B, N) bool iBOT masks of the global crops.

        Returns:
            dict: ``loss_dino_local`` (with local crops), ``loss_dino_global``,
            ``loss_koleo`` and ``loss_ibot`` (when enabled).
        """
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                'DINOv2 expects a list of views [global_1, global_2, '
                'local...] (pipeline DINOv2MultiCrop + PackInputs, '
                "collate_fn=dict(type='mmvision_plus.dinov2_collate'))")
        batch = inputs[0].shape[0]
        global_crops = torch.cat(inputs[:2])
        num_local = len(inputs) - 2
        do_ibot = self.ibot_loss is not None
        student_masks, loss_masks = self._ibot_masks(masks, global_crops,
                                                     do_ibot)

        with torch.no_grad():
            if not self.distillation:
                self.teacher.update_parameters(self.student_parts)
            dino_targets, ibot_targets = self._teacher_targets(
                global_crops, loss_masks)

        student = self.backbone.forward_features(global_crops, student_masks)
        cls_global = student['x_norm_clstoken']
        num_terms = 2 + max(2 * num_local, 1)
        losses = {}
        if num_local:
            cls_local = self.backbone.forward_features(torch.cat(
                inputs[2:]))['x_norm_clstoken']
            local_logits = self.dino_head(cls_local).chunk(num_local)
            losses['loss_dino_local'] = sum(
                self.dino_loss(s, t) for s in local_logits
                for t in dino_targets) / num_terms
        losses['loss_dino_global'] = self.dino_loss(
            self.dino_head(cls_global), dino_targets.flatten(0, 1)) * 2 / \
            num_terms
        if self.koleo_loss is not None:
            losses['loss_koleo'] = sum(
                self.koleo_loss(c) for c in cls_global.chunk(2))
        if do_ibot:
            patches = student['x_norm_patchtokens'].flatten(0, 1)[
                loss_masks.flatten()]
            losses['loss_ibot'] = self.ibot_loss(
                self.ibot_head_of(self.student_parts)(patches), ibot_targets,
                loss_masks)
        return losses

    def _ibot_masks(self, masks: Optional[Tensor], global_crops: Tensor,
                    do_ibot: bool):
        """(student input masks, masks of the patches the iBOT loss uses)."""
        if not do_ibot:
            return None, None
        if self.ibot_on_all_patches:
            grid = [-(-s // self.backbone.patch_size)
                    for s in global_crops.shape[-2:]]
            return None, torch.ones(global_crops.shape[0], grid[0] * grid[1],
                                    dtype=torch.bool,
                                    device=global_crops.device)
        if masks is None:
            raise ValueError(
                "DINOv2: the iBOT loss needs the batch's 'masks'; use "
                "collate_fn=dict(type='mmvision_plus.dinov2_collate') and "
                'DINOv2DataPreprocessor')
        return masks, masks

    def _teacher_targets(self, global_crops: Tensor,
                         loss_masks: Optional[Tensor]):
        """Teacher DINO targets (2, B, K), swapped so that row block i is the
        target of student global crop i, and iBOT targets (M, K)."""
        teacher = self.teacher_parts
        out = teacher['backbone'].forward_features(global_crops)
        first, second = out['x_norm_clstoken'].chunk(2)
        logits = teacher['dino_head'](torch.cat((second, first)))
        dino_targets = self.dino_loss.teacher_targets(
            logits, self.teacher_temp).view(2, -1, logits.shape[-1])
        if loss_masks is None:
            return dino_targets, None
        patches = out['x_norm_patchtokens']
        if patches.shape[:2] != loss_masks.shape:
            raise ValueError(
                f'DINOv2: masks {tuple(loss_masks.shape)} do not match the '
                f'teacher patch grid {tuple(patches.shape[:2])}')
        masked = patches.flatten(0, 1)[loss_masks.flatten()]
        ibot_targets = self.ibot_loss.teacher_targets(
            self.ibot_head_of(teacher)(masked), self.teacher_temp)
        return dino_targets, ibot_targets
