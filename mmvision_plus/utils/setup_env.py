"""Registration helpers."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all modules of mmdet and mmvision_plus into the registries.

    Args:
        init_default_scope (bool): Whether to set the default scope to
            ``mmvision_plus``, so that ``type='Xxx'`` in a config is looked
            up in our registries first and then in mmdet's. Defaults to True.
    """
    from mmdet.utils import register_all_modules as register_mmdet_modules
    register_mmdet_modules(init_default_scope=False)

    import mmvision_plus.datasets  # noqa: F401
    import mmvision_plus.engine  # noqa: F401
    import mmvision_plus.evaluation  # noqa: F401
    import mmvision_plus.models  # noqa: F401
    import mmvision_plus.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmvision_plus',
                                  scope_name='mmvision_plus')
    elif current.scope_name != 'mmvision_plus':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmvision_plus"; `register_all_modules` creates a '
                      'new default scope named "mmvision_plus".')
        new_instance_name = f'mmvision_plus-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name,
                                  scope_name='mmvision_plus')
