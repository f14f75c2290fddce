from .silog_loss import SiLogLoss
__all__: list = []
__all__ += ['SiLogLoss']
