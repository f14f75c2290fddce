"""MDRL: Multi-modal Disordered Representation Learning for text-based
person search (Yang et al., AAAI 2024).

Training data flow for a batch of B (image, caption) pairs::

    images (B,3,H,W)                              caption ids + mask (B,M)
          |                                                 |
    image_encoder (ViT)                       text_encoder (frozen BERT + LTE)
          | (B,1+N,Cv)                                      | (B,M,Ct)
    visual_proj (Linear)                           text_proj (Linear)
          | (B,1+N,D)                                       | (B,M,D)
    v = [v_g ; v_1..v_N]                         t = [t_g ; t_1..t_M-1]
     |     |                                               |      |
     |     +---------> CIM([x_c ; v ; t], K layers) <------+      |
     |     |                   | f_c                       |      |
     |  DLL_visual (P groups)  |              DLL_text (Q groups) |
     |     | (B,P,D) mean      |                 (B,Q,D) mean |   |
     |     v                   |                              v   |
     |    v_l ---------------- | ---- CMPM (local) -------- t_l   |
    v_g ---------------------- | ---- CMPM (global) ------------ t_g
    v_g, t_g, f_c ----> shared identity classifier ----> ID loss

DLL and CIM are optional (``dll=None`` / ``cim=None``): without both this
is the global-feature baseline (ID + CMPM), and with ``match_loss`` set to
``SDMLoss`` the IRRA-like baseline (ID + SDM). Retrieval only runs the two
encoders: the image feature is ``v_g`` and the text feature ``t_g``
(``image_feat`` / ``text_feats``); with DLL the model also returns the
global and local features concatenated (``image_feat_gl`` /
``text_feats_gl``: ``[v_g / |v_g| ; v_l / |v_l|]``, so their cosine is the
mean of the global and local cosines), evaluated as a second feature set by
``TextImageRetrievalMetric``.
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmvision_plus.models.utils.forward_modes import forward_by_mode
from mmvision_plus.registry import MODELS


@MODELS.register_module()
class MDRL(BaseModel):
    """MDRL text-to-image person retriever.

    Args:
        image_encoder (dict): Backbone returning the visual tokens
            (B, 1 + N, Cv), global token first, as a tensor or as a tuple
            whose last element is that tensor, e.g.
            ``mmpretrain.VisionTransformer`` with ``out_type='raw'``.
        text_encoder (dict): Text encoder taking ``(input_ids,
            attention_mask)`` and returning (B, M, Ct) with [CLS] first and
            an ``embed_dims`` attribute, e.g. ``BertTextEncoder``.
        num_classes (int): Number of training identities K.
        embed_dims (int): Joint embedding size D. Default 512.
        dll (dict, optional): Disordered local learning settings:
            ``num_visual_groups`` (P), ``num_text_groups`` (Q) and the other
            :class:`DisorderedLocalLearning` arguments (one module is built
            per modality). None disables DLL. Default None.
        cim (dict, optional): :class:`CrossModalInteraction` arguments
            (``num_layers`` = K, ...). None disables CIM. Default None.
        match_loss (dict): Image-text matching loss on (image, text)
            feature pairs, ``CMPMLoss`` or ``SDMLoss``; applied to the
            global and (with DLL) to the local features.
        id_loss (dict, optional): Identity loss over the logits of the
            shared classifier. None disables it (and the classifier).
        data_preprocessor (dict, optional): Stacks and normalises images,
            e.g. ``mmpretrain.ClsDataPreprocessor``; the token ids stay in
            the data samples.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 image_encoder: dict,
                 text_encoder: dict,
                 num_classes: int,
                 embed_dims: int = 512,
                 dll: Optional[dict] = None,
                 cim: Optional[dict] = None,
                 match_loss: dict = dict(type='CMPMLoss'),
                 id_loss: Optional[dict] = dict(type='IdentityLoss'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.image_encoder = MODELS.build(image_encoder)
        self.text_encoder = MODELS.build(text_encoder)
        self.visual_proj = nn.Linear(self._visual_channels(image_encoder),
                                     embed_dims)
        self.text_proj = nn.Linear(self.text_encoder.embed_dims, embed_dims)

        self.visual_dll = self.text_dll = None
        if dll is not None:
            dll = dict(dll)
            num_visual_groups = dll.pop('num_visual_groups')
            num_text_groups = dll.pop('num_text_groups')
            dll.setdefault('type', 'DisorderedLocalLearning')
            self.visual_dll = MODELS.build(
                dict(dll, embed_dims=embed_dims, num_groups=num_visual_groups))
            self.text_dll = MODELS.build(
                dict(dll, embed_dims=embed_dims, num_groups=num_text_groups))
        self.cim = None
        if cim is not None:
            self.cim = MODELS.build(
                dict(dict(type='CrossModalInteraction'), **cim,
                     embed_dims=embed_dims))

        self.match_loss = MODELS.build(match_loss)
        self.id_loss = self.classifier = None
        if id_loss is not None:
            self.id_loss = MODELS.build(id_loss)
            self.classifier = nn.Linear(embed_dims, num_classes)
        elif self.cim is not None:
            raise ValueError('MDRL: CIM is supervised only by the ID loss; '
                             'set id_loss when cim is given')

    def _visual_channels(self, cfg: dict) -> int:
        """Token size of the built image encoder."""
        channels = getattr(self.image_encoder, 'embed_dims', None)
        if not isinstance(channels, int):
            raise ValueError(
                f'MDRL: image_encoder {cfg.get("type")} has no integer '
                '`embed_dims` attribute to size the visual projection')
        return channels

    @property
    def with_dll(self) -> bool:
        """Whether the model has disordered local learning."""
        return self.visual_dll is not None

    def init_weights(self) -> None:
        """Initialise the encoders (pretrained weights) and our layers."""
        super().init_weights()
        for proj in (self.visual_proj, self.text_proj):
            nn.init.trunc_normal_(proj.weight, std=0.02)
            nn.init.zeros_(proj.bias)
        if self.classifier is not None:
            nn.init.normal_(self.classifier.weight, std=0.001)
            nn.init.zeros_(self.classifier.bias)

    # ------------------------------------------------------------ encoders
    def encode_image(self, images: Tensor) -> Tensor:
        """Visual tokens in the joint space.

        Args:
            images (Tensor): Normalised images, (B, 3, H, W).

        Returns:
            Tensor: (B, 1 + N, D), global token first.
        """
        tokens = self.image_encoder(images)
        if isinstance(tokens, (tuple, list)):
            tokens = tokens[-1]
        if tokens.dim() != 3:
            raise ValueError(
                'MDRL: image_encoder must return tokens (B, 1+N, C); got '
                f'shape {tuple(tokens.shape)} (use out_type="raw" for '
                'mmpretrain.VisionTransformer)')
        return self.visual_proj(tokens)

    def encode_text(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """Text tokens in the joint space.

        Args:
            input_ids (Tensor): (B, M).
            attention_mask (Tensor): 1 for tokens, 0 for padding, (B, M).

        Returns:
            Tensor: (B, M, D), [CLS] first.
        """
        return self.text_proj(self.text_encoder(input_ids, attention_mask))

    def local_features(self, visual: Tensor, text: Tensor,
                       attention_mask: Tensor) -> Tuple[Tensor, Tensor]:
        """Group-averaged DLL features of both modalities.

        Args:
            visual (Tensor): (B, 1 + N, D) visual tokens.
            text (Tensor): (B, M, D) text tokens.
            attention_mask (Tensor): (B, M) text mask.

        Returns:
            tuple[Tensor, Tensor]: Image and text local features, (B, D)
            each: the mean of the P (resp. Q) group features.
        """
        visual_local = self.visual_dll(visual[:, 0], visual[:, 1:])
        text_local = self.text_dll(text[:, 0], text[:, 1:],
                                   attention_mask[:, 1:])
        return visual_local.mean(dim=1), text_local.mean(dim=1)

    # --------------------------------------------------------------- modes
    def forward(self,
                inputs: Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], list,
                                               Tuple[Tensor, Tensor]]:
        """Dispatch to :meth:`loss`, :meth:`predict` or :meth:`extract_feat`.

        Args:
            inputs (Tensor): Normalised images, (B, 3, H, W).
            data_samples (list[DataSample]): With ``input_ids`` and
                ``attention_mask`` ((M,) in training, (n_i, M) at test) and
                ``gt_label``.
            mode (str): 'loss', 'predict' or 'tensor'.
        """
        return forward_by_mode(self, inputs, data_samples, mode)

    @staticmethod
    def _stack_tokens(data_samples: list) -> Tuple[Tensor, Tensor, List[int]]:
        """Concatenate every sample's captions into one token batch.

        Returns:
            tuple: ``input_ids`` (T, M), ``attention_mask`` (T, M) and the
            number of captions of each sample.
        """
        ids, masks, counts = [], [], []
        for sample in data_samples:
            if 'input_ids' not in sample or 'attention_mask' not in sample:
                raise KeyError(
                    'MDRL: data sample of '
                    f'{sample.metainfo.get("img_path", "?")} has no '
                    'input_ids/attention_mask; add TokenizeText to the '
                    'pipeline')
            sample_ids = sample.input_ids
            length = sample_ids.shape[-1]
            ids.append(sample_ids.reshape(-1, length))
            masks.append(sample.attention_mask.reshape(-1, length))
            counts.append(ids[-1].shape[0])
        return torch.cat(ids), torch.cat(masks), counts

    def extract_feat(self, inputs: Tensor,
                     data_samples: list) -> Tuple[Tensor, Tensor]:
        """Global image features (B, D) and text features (T, D)."""
        ids, mask, _ = self._stack_tokens(data_samples)
        device = inputs.device
        return (self.encode_image(inputs)[:, 0],
                self.encode_text(ids.to(device), mask.to(device))[:, 0])

    def loss(self, inputs: Tensor, data_samples: list) -> Dict[str, Tensor]:
        """Training losses of a batch of (image, caption) pairs.

        Args:
            inputs (Tensor): Normalised images, (B, 3, H, W).
            data_samples (list[DataSample]): One caption per sample.

        Returns:
            dict[str, Tensor]: ``loss_match`` (global), ``loss_match_local``
            (with DLL), ``loss_id`` (with an ID loss).
        """
        ids, mask, counts = self._stack_tokens(data_samples)
        if any(c != 1 for c in counts):
            raise ValueError('MDRL.loss expects one caption per training '
                             'sample (PEDES datasets with test_mode=False)')
        device = inputs.device
        ids, mask = ids.to(device), mask.to(device)
        labels = torch.cat([s.gt_label.reshape(-1)
                            for s in data_samples]).to(device)

        visual = self.encode_image(inputs)
        text = self.encode_text(ids, mask)
        image_global, text_global = visual[:, 0], text[:, 0]

        losses = dict(
            loss_match=self.match_loss(image_global, text_global, labels))
        if self.with_dll:
            image_local, text_local = self.local_features(visual, text, mask)
            losses['loss_match_local'] = self.match_loss(
                image_local, text_local, labels)
        if self.id_loss is not None:
            features = [image_global, text_global]
            if self.cim is not None:
                features.append(self.cim(visual, text, mask))
            logits = [self.classifier(f) for f in features]
            losses['loss_id'] = self.id_loss(logits, labels)
        return losses

    def predict(self, inputs: Tensor, data_samples: list) -> list:
        """Retrieval features of each gallery image and its captions.

        Args:
            inputs (Tensor): Normalised images, (B, 3, H, W).
            data_samples (list[DataSample]): ``input_ids`` (n_i, M) per
                sample (all captions of the image).

        Returns:
            list[DataSample]: The inputs with ``image_feat`` (D,) and
            ``text_feats`` (n_i, D) set, plus ``image_feat_gl`` (2D,) and
            ``text_feats_gl`` (n_i, 2D) with DLL.
        """
        ids, mask, counts = self._stack_tokens(data_samples)
        device = inputs.device
        ids, mask = ids.to(device), mask.to(device)
        visual = self.encode_image(inputs)
        text = self.encode_text(ids, mask)
        image_feat, text_feat = visual[:, 0], text[:, 0]
        results = dict(image_feat=image_feat, text_feats=text_feat)
        if self.with_dll:
            image_local, text_local = self.local_features(visual, text, mask)
            results['image_feat_gl'] = torch.cat(
                [F.normalize(image_feat, dim=-1),
                 F.normalize(image_local, dim=-1)], dim=-1)
            results['text_feats_gl'] = torch.cat(
                [F.normalize(text_feat, dim=-1),
                 F.normalize(text_local, dim=-1)], dim=-1)
        text_splits = {
            key: value.split(counts)
            for key, value in results.items() if key.startswith('text')
        }
        for i, sample in enumerate(data_samples):
            for key, value in results.items():
                if key.startswith('text'):
                    sample.set_field(text_splits[key][i].detach(), key)
                else:
                    sample.set_field(value[i].detach(), key)
        return data_samples
