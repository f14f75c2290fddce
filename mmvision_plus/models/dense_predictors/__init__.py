from .frozen_feature_dense_model import FrozenFeatureDenseModel

__all__: list = ['FrozenFeatureDenseModel']
