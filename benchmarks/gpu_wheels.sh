#!/usr/bin/env bash
# Download, into .whl/ (git-ignored), the wheels the GPU machine lacks for
# benchmarks/gpu_check.sh: Keras and the two of its dependencies not in that image (namex, optree), for
# CPython 3.12 manylinux x86-64. aeon is NOT carried: without it the check's compare step uses synthetic data
# (benchmarks/gpu_check.py); add `aeon==1.6.0 deprecated==1.3.1` to WHEELS to compare on JapaneseVowels.
set -euo pipefail
cd "$(dirname "$0")/.."
WHEELS=${WHEELS:-"keras==3.15.1 namex==0.1.0 optree==0.20.0"}

python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any -d .whl $WHEELS
ls -l .whl
