#!/usr/bin/env bash
# Set up everything mmvision_plus needs, from nothing, on Python 3.11 / CPU.
#
#   bash tools/setup_env.sh            # creates/uses .venv in the repo root
#   VENV=/path/to/venv bash tools/setup_env.sh
#   VENV=active bash tools/setup_env.sh   # install into the active environment
#
# The slow step is mmcv 2.1.0 (full ops, source only on PyPI). Its wheel is
# built once and kept in $MMVP_CACHE (default ~/.cache/mmvision_plus/wheels),
# keyed by mmcv, torch and Python versions, so later installs take seconds.
# A stamp file records the requirement set; re-running with nothing changed
# returns at once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
SETUPTOOLS_SPEC='setuptools>=77.0.3,<81'
PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-$ROOT/.venv}"
CACHE="${MMVP_CACHE:-$HOME/.cache/mmvision_plus/wheels}"

step() { printf '\n==> [setup] %s\n' "$*"; }
die() { printf '\n!! [setup] FAILED at step: %s\n' "$*" >&2; exit 1; }
CURRENT_STEP="start"
trap 'die "$CURRENT_STEP"' ERR

CURRENT_STEP="python environment"
if [ "$VENV" = "active" ]; then
  PY="$(command -v python)"
else
  if [ ! -x "$VENV/bin/python" ]; then
    step "creating virtual environment $VENV with $PYTHON"
    command -v "$PYTHON" >/dev/null || die "python interpreter '$PYTHON' not found (set PYTHON=...)"
    "$PYTHON" -m venv "$VENV"
  fi
  PY="$VENV/bin/python"
fi
PIP=("$PY" -m pip --disable-pip-version-check)

# Everything that decides what gets installed goes into the stamp key.
STAMP="$("$PY" -c 'import sys; print(sys.prefix)')/.mmvision_plus_installed"
KEY="$(cat "$0" setup.py requirements/*.txt 2>/dev/null | sha256sum | cut -c1-16)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$KEY" ]; then
  step "environment up to date ($PY)"
  exit 0
fi

CURRENT_STEP="build tools (pip, $SETUPTOOLS_SPEC, wheel)"
step "$CURRENT_STEP"
"${PIP[@]}" install -q "$SETUPTOOLS_SPEC" wheel ninja

CURRENT_STEP="torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION"
step "$CURRENT_STEP"
"${PIP[@]}" install -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" "$SETUPTOOLS_SPEC"

CURRENT_STEP="mmcv $MMCV_VERSION (full ops)"
step "$CURRENT_STEP"
PYTAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
WHEEL_DIR="$CACHE/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PYTAG"
if "$PY" -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
  echo "mmcv $MMCV_VERSION with ops already installed"
else
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    echo "no cached wheel in $WHEEL_DIR: building mmcv from source (CPU ops; 15-25 min on 2 cores)"
    BUILD="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --no-binary mmcv --no-build-isolation \
      -d "$BUILD" "mmcv==$MMCV_VERSION"
    tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VERSION"
    # torch >= 2.10 headers refuse C++17.
    sed -i 's/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    grep -q 'c++20' "$SRC/setup.py" || die "patching mmcv setup.py to C++20"
    mkdir -p "$WHEEL_DIR.tmp"
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="$(nproc)" \
      "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$WHEEL_DIR.tmp" .)
    rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"   # only complete wheels land in the cache
    rm -rf "$BUILD"
  fi
  "${PIP[@]}" install -q --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-*.whl
fi

CURRENT_STEP="OpenMMLab stack and runtime requirements (requirements/runtime.txt)"
step "$CURRENT_STEP"
"${PIP[@]}" install -q -r requirements/runtime.txt "torch==$TORCH_VERSION" "$SETUPTOOLS_SPEC"

CURRENT_STEP="runtime requirements without their dependencies (requirements/no_deps.txt)"
step "$CURRENT_STEP"
# torchscale declares timm==0.6.13, which would replace the timm open_clip needs
"${PIP[@]}" install -q --no-deps -r requirements/no_deps.txt "$SETUPTOOLS_SPEC"

CURRENT_STEP="test requirements (requirements/tests.txt)"
step "$CURRENT_STEP"
"${PIP[@]}" install -q -r requirements/tests.txt "torch==$TORCH_VERSION" "$SETUPTOOLS_SPEC"

CURRENT_STEP="mmvision_plus (editable)"
step "$CURRENT_STEP"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .

CURRENT_STEP="import check"
step "$CURRENT_STEP"
"$PY" - <<'PY'
import mmcv, mmcv.ops, mmdet, mmengine, mmpretrain.models, torch, pkg_resources  # noqa
import open_clip, timm, torchscale.model.BEiT3  # noqa
import mmvision_plus
print(f'torch {torch.__version__} | mmengine {mmengine.__version__} | mmcv {mmcv.__version__} '
      f'| mmdet {mmdet.__version__} | mmpretrain {mmpretrain.__version__} '
      f'| mmvision_plus {mmvision_plus.__version__}')
PY
echo "$KEY" > "$STAMP"
step "done: environment ready at $("$PY" -c 'import sys; print(sys.prefix)')"
