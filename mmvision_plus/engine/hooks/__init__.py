from .check_finite_loss_hook import CheckFiniteLossHook
from .result_record_hook import ResultRecordHook
from .retrieval_mean_hook import RetrievalMeanHook, add_retrieval_means

__all__ = ['CheckFiniteLossHook', 'ResultRecordHook', 'RetrievalMeanHook',
           'add_retrieval_means']
from .freeze_last_layer_hook import FreezeLastLayerHook
from .submodule_grad_clip_hook import SubmoduleGradClipHook
from .teacher_temp_hook import TeacherTempWarmupHook, teacher_temp_at
__all__ += ['FreezeLastLayerHook', 'SubmoduleGradClipHook',
            'TeacherTempWarmupHook', 'teacher_temp_at']
from .retrieval_cost_hook import RetrievalCostHook
__all__ += ['RetrievalCostHook']
