#!/bin/sh
# Rebuild every model artifact from the data, then evaluate the shipped files.
#   models/build.sh             # everything (8-15 minutes on 2 cores)
#   INFERENCE_DATA_DIR=/path/to/data models/build.sh   # data elsewhere (default ../shared/data beside the repository)
# Needs Debian's python3-torch python3-onnx python3-numpy python3-sklearn (importable by /usr/bin/python3).
set -eu
cd "$(dirname "$0")/training"
PY=/usr/bin/python3
export PYTHONHASHSEED=0 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
"$PY" -c 'import torch, onnx, numpy, sklearn' || { echo "need python3-torch python3-onnx python3-numpy python3-sklearn" >&2; exit 1; }
"$PY" make_eval.py
"$PY" train_classifier.py
"$PY" train_extractors.py
"$PY" train_mpn.py
"$PY" evaluate.py --vectors
( cd ../artifacts && sha256sum */model.onnx */manifest.json )
