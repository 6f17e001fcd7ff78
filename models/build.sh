#!/bin/sh
# Rebuild every model artifact from the data, then evaluate the shipped files.
#   models/build.sh             # everything (15-25 minutes on 2 cores)
#   INFERENCE_DATA_DIR=/path/to/data models/build.sh   # data elsewhere (default ../shared/data beside the repository)
# Needs Debian's python3-torch python3-onnx python3-numpy python3-sklearn (importable by /usr/bin/python3), and the .NET SDK:
# the deep classifier's encoder comes out of its NuGet package (models/EncoderSource) and its embeddings from ONNX Runtime
# (`inference embed`), so training sees exactly what the services compute.
set -eu
cd "$(dirname "$0")/training"
PY=/usr/bin/python3
export PYTHONHASHSEED=0 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
"$PY" -c 'import torch, onnx, numpy, sklearn' || { echo "need python3-torch python3-onnx python3-numpy python3-sklearn" >&2; exit 1; }
"$PY" make_eval.py
"$PY" train_classifier.py
"$PY" train_extractors.py
"$PY" train_mpn.py
# the deep classifier: the package's fp32 encoder -> int8 (.cache, never committed) -> embeddings -> head, figures, artifact
ROOT=$(cd ../.. && pwd)
dotnet run -c Release --project "$ROOT/models/EncoderSource" -- .cache/encoder-source
"$PY" train_deep.py prepare
dotnet build -c Release "$ROOT/tools/Inference.Cli" >/dev/null
INFERENCE="$ROOT/tools/Inference.Cli/bin/Release/net10.0/linux-x64/inference"
"$INFERENCE" embed --model .cache/encoder --records "${INFERENCE_DATA_DIR:-$ROOT/../shared/data}/dev.jsonl" --out .cache/dev.f32
"$INFERENCE" embed --model .cache/encoder --records .cache/descriptions.jsonl --out .cache/descriptions.f32
"$PY" train_deep.py train
"$PY" evaluate.py --vectors
( cd ../artifacts && sha256sum */model.onnx */manifest.json )
