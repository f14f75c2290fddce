from .dinov2_pca import dinov2_pca_figure, pca_colour_maps

__all__: list = ['dinov2_pca_figure', 'pca_colour_maps']
