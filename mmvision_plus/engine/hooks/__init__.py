from .check_finite_loss_hook import CheckFiniteLossHook
from .result_record_hook import ResultRecordHook
from .retrieval_mean_hook import RetrievalMeanHook, add_retrieval_means

__all__ = ['CheckFiniteLossHook', 'ResultRecordHook', 'RetrievalMeanHook',
           'add_retrieval_means']
