from .glee_layers import (DenoisingTableError, GLEEDecoder, GLEEDecoderLayer,
                          GLEEDenoisingQueryGenerator, GLEEEncoder,
                          GLEEEncoderLayer, GLEEPixelEmbedding)

__all__: list = []
__all__ += ['DenoisingTableError', 'GLEEDecoder', 'GLEEDecoderLayer',
            'GLEEDenoisingQueryGenerator', 'GLEEEncoder', 'GLEEEncoderLayer',
            'GLEEPixelEmbedding']
