"""Command line of encoder.py: turn a pretrained BERT-style sentence encoder (fp32 ONNX) into the deep classifier's
int8 encoder with pooling and L2 normalisation inside the graph (what and why: encoder.py).

    /usr/bin/python3 quantize_encoder.py IN.onnx OUT.onnx --pooling mean|cls
"""
import argparse

import onnx

from encoder import convert


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("target")
    ap.add_argument("--pooling", required=True, choices=("mean", "cls"))
    ap.add_argument("--fp32", action="store_true", help="pooling and normalisation only, no quantisation (to measure what it costs)")
    args = ap.parse_args()
    model = onnx.load(args.source)
    result, matmuls = convert(model, args.pooling, quantize=not args.fp32)
    onnx.save(result, args.target)
    print("%s: %d MatMuls int8, %s pooling -> %s" % (args.source, matmuls, args.pooling, args.target))


if __name__ == "__main__":
    main()
