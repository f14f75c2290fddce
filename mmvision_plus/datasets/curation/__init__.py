"""DINOv2-style data curation (LVD-142M pipeline): embed, deduplicate,
filter against evaluation images, cluster, retrieve. See
``tools/data/curate.py`` and the "Data curation" section of
``configs/dinov2/README.md``."""
from .embedding import (FEATURES, ImageEmbedder, UnreadableImageError,
                        build_image_embedder, image_features)
from .feature_cache import EmbeddingCache, EmbeddingCacheError, embed_images
from .image_lists import ImageListError, load_image_list
from .outputs import ImageSet, build_outputs, format_summary, write_outputs
from .pipeline import curate_image_sources, curate_synthetic
from .selection import (CurationParams, CurationResult, curate_embeddings,
                        near_duplicate_representatives, spherical_kmeans)
from .synthetic import SyntheticEmbeddings, make_synthetic_embeddings

__all__ = [
    'FEATURES', 'ImageEmbedder', 'UnreadableImageError',
    'build_image_embedder', 'image_features', 'EmbeddingCache',
    'EmbeddingCacheError', 'embed_images', 'ImageListError',
    'load_image_list', 'ImageSet', 'build_outputs', 'format_summary',
    'write_outputs', 'curate_image_sources', 'curate_synthetic',
    'CurationParams', 'CurationResult', 'curate_embeddings',
    'near_duplicate_representatives', 'spherical_kmeans',
    'SyntheticEmbeddings', 'make_synthetic_embeddings'
]
