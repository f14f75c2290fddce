from .check_finite_loss_hook import CheckFiniteLossHook
from .result_record_hook import ResultRecordHook

__all__ = ['CheckFiniteLossHook', 'ResultRecordHook']
from .freeze_last_layer_hook import FreezeLastLayerHook
from .submodule_grad_clip_hook import SubmoduleGradClipHook
from .teacher_temp_hook import TeacherTempWarmupHook, teacher_temp_at
__all__ += ['FreezeLastLayerHook', 'SubmoduleGradClipHook',
            'TeacherTempWarmupHook', 'teacher_temp_at']
