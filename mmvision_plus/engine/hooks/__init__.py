from .check_finite_loss_hook import CheckFiniteLossHook
from .retrieval_mean_hook import RetrievalMeanHook, add_retrieval_means

__all__ = ['CheckFiniteLossHook', 'RetrievalMeanHook', 'add_retrieval_means']
