#!/usr/bin/env bash
# The GPU check as one command on the lent GPU machine (Python 3.12, PyTorch, JAX; no TensorFlow, Keras, aeon):
#   benchmarks/gpu_check.sh [OUT_DIR] [gpu_check.py options]
# Installs the wheels carried in .whl/ (benchmarks/gpu_wheels.sh downloads them) into /tmp/site, then runs
# benchmarks/gpu_check.py and writes OUT_DIR/gpu_check.json (default OUT_DIR: $OUT, else the current folder).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-.}}"
shift || true
py="${PYTHON:-python3}"
if compgen -G ".whl/*.whl" >/dev/null; then
  "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "gpu_check.sh: could not install the carried wheels" >&2; exit 3; }
  export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
mkdir -p "$out"
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3 MPLBACKEND=Agg
nvidia-smi -L 2>/dev/null || echo "gpu_check.sh: nvidia-smi found no GPU"
exec "$py" benchmarks/gpu_check.py --out "$out/gpu_check.json" "$@"
