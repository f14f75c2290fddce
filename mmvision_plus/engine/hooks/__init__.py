from .check_finite_loss_hook import CheckFiniteLossHook
from .result_record_hook import ResultRecordHook

__all__ = ['CheckFiniteLossHook', 'ResultRecordHook']
