from .cpu_amp_optim_wrapper import CPUAutocastOptimWrapper

__all__ = ['CPUAutocastOptimWrapper']
