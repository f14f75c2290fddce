"""Installation script for mmvision_plus.

The heavy, order-sensitive part of the install (torch, mmcv built from source)
is handled by ``tools/setup_env.sh``; ``install_requires`` lists what the
package imports at run time so that ``pip install -e .`` on a prepared
environment checks it.
"""
import os.path as osp

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(ROOT, 'mmvision_plus', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(name: str) -> list:
    with open(osp.join(ROOT, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


setup(
    name='mmvision_plus',
    version=read_version(),
    description='OpenMMLab plugin for DINOv2, SIoU/Focal losses, GLEE, '
    'vision-language models and text-based person search',
    long_description=open(osp.join(ROOT, 'README.md')).read()
    if osp.exists(osp.join(ROOT, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt') + ['mmcv>=2.0.0,<2.2.0'],
    extras_require={'tests': read_requirements('tests.txt')},
    license='Apache License 2.0',
    zip_safe=False,
)
