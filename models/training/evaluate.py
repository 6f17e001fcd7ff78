"""Evaluate the SHIPPED artifacts on folds 8+9 (models/eval/folds89.jsonl), beside the baselines.

Runs every model.onnx with the NumPy ONNX interpreter (onnx_np), featurizing with the Python
featurizer and the gazetteer files shipped next to each model, so it checks the artifacts, not
the training process. Needs only models/ (not the shared data folder).

  /usr/bin/python3 models/training/evaluate.py            # metrics table
  /usr/bin/python3 models/training/evaluate.py --vectors  # also re-check every testvectors.jsonl
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import baselines  # noqa: E402
import classifier as C  # noqa: E402
import common  # noqa: E402
import data as D  # noqa: E402
import extractor as X  # noqa: E402
import featurizer as F  # noqa: E402
import mpn as M  # noqa: E402
import onnx_np  # noqa: E402
import tagger as TG  # noqa: E402

ART = common.ARTIFACTS
EVAL = common.EVAL


def load_artifact(name):
    d = os.path.join(ART, name)
    with open(os.path.join(d, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    with open(os.path.join(d, "model.onnx"), "rb") as f:
        blob = f.read()
    if common.sha256_bytes(blob) != man["sha256"]:
        raise SystemExit("%s: model.onnx sha256 does not match the manifest" % name)
    import onnx
    return d, man, onnx.load_from_string(blob)


def check_side_file(d, spec):
    path = os.path.join(d, spec["file"])
    with open(path, "rb") as f:
        if common.sha256_bytes(f.read()) != spec["sha256"]:
            raise SystemExit("%s: sha256 mismatch" % path)
    return path


# ------------------------------------------------------------------ classifier

def eval_classifier(records):
    d, man, model = load_artifact("classifier")
    cats = man["labels"]
    ci = {c: i for i, c in enumerate(cats)}
    recs = [r for r in records if r["coarse_category"]]
    probs = []
    for k in range(0, len(recs), 256):
        chunk = recs[k:k + 256]
        fs = [C.featurize(r["text"]) for r in chunk]
        ids = common.pad_batch([f[1] or [0] for f in fs])
        cnt = common.pad_batch([f[2] or [0.0] for f in fs], np.float32)
        probs.append(onnx_np.run(model, {"ids": ids, "counts": cnt})[0])
    P = np.concatenate(probs)
    y = np.array([ci[r["coarse_category"]] for r in recs])
    eval_cats = man["evaluation_categories"]
    m = common.classification_metrics(P, y, cats, eval_cats)
    bp = np.array([ci[baselines.keyword_category(r["text"], cats)] for r in recs])
    b = common.classification_metrics(None, y, cats, eval_cats, pred=bp)
    return [("classifier", "accuracy", m["accuracy"], b["accuracy"], man["metrics"]["folds89"]["accuracy"]),
            ("classifier", "macro-F1 (%d cats)" % len(eval_cats), m["macro_f1"], b["macro_f1"],
             man["metrics"]["folds89"]["macro_f1"]),
            ("classifier", "top-3 accuracy", m["top3_accuracy"], None, man["metrics"]["folds89"]["top3_accuracy"])]


# ------------------------------------------------------------------ extractors

def tagger_predict(model, man, d, records):
    feat = man["featurizer"]["gazetteers"]
    brands = X.read_brands(check_side_file(d, feat["brands"]))
    attr_gaz = X.read_attr_gaz(check_side_file(d, feat["attributes"])) if feat.get("attributes") else None
    core_labels, attr_labels = man["labels"]["core"], man["labels"]["attr"]
    out = []
    for k in range(0, len(records), 64):
        chunk = records[k:k + 64]
        fs = [TG.token_features(r["text"], brands, attr_gaz) for r in chunk]
        T = max(1, max(len(f[0]) for f in fs))
        ids = np.zeros((len(chunk), T, len(TG.SLOTS)), dtype=np.int64)
        for b, f in enumerate(fs):
            if f[0]:
                ids[b, :len(f[0])] = f[1]
        cp, ap = onnx_np.run(model, {"ids": ids})
        for b, (r, f) in enumerate(zip(chunk, fs)):
            ex = TG.extract(r["text"], f[0], cp[b], ap[b], core_labels, attr_labels)
            out.append({k2: v["value"] for k2, v in ex.items()})
    return out, attr_gaz


def eval_extractor(name, records):
    d, man, model = load_artifact(name)
    served = man["serves_categories"]
    cat = served[0] if isinstance(served, list) else None
    recs = X.served(records, cat)
    attr_names = man["labels"]["attributes"]
    preds, attr_gaz = tagger_predict(model, man, d, recs)
    m = X.score_records(recs, preds, attr_names, cat is not None)
    b = X.score_records(recs, X.baseline_predictions(recs, attr_gaz), attr_names, cat is not None)
    rec = man["metrics"]["folds89"]
    rows = []
    for key, label in (("brand_exact", "brand exact"), ("mpn_exact", "MPN exact"), ("gtin_found", "GTIN found")):
        if m.get(key) is not None:
            rows.append((name, "%s (n=%d)" % (label, m[key + "_n"]), m[key], b[key], rec.get(key)))
    for key, label in (("attributes_all", "attribute F1, all"), ("attributes_category", "attribute F1, category")):
        if key in m:
            rows.append((name, "%s (%d recs)" % (label, m[key]["pave_records"]), m[key]["f1"], b[key]["f1"],
                         rec.get(key, {}).get("f1")))
    return rows


# ------------------------------------------------------------------ mpn

def eval_mpn(records):
    d, man, model = load_artifact("mpn-plausibility")
    ex = M.examples(records, 3)
    ids = [M.featurize(b, c, cat) for b, c, cat, _ in ex]
    y = np.array([e[3] for e in ex])
    s = np.concatenate([onnx_np.run(model, {"ids": common.pad_batch(ids[k:k + 1024])})[0]
                        for k in range(0, len(ids), 1024)])
    hs = np.array([M.heuristic_score(b, c, cat) for b, c, cat, _ in ex])
    thr = man["threshold"]["value"]
    p, r, f1 = M.pr_at(s, y, thr)
    bp, br, bf = M.pr_at(hs, y, 0.99)
    rec = man["metrics"]["folds89"]
    return [("mpn-plausibility", "AUC (%d examples)" % len(y), round(M.auc(s, y), 4), round(M.auc(hs, y), 4), rec["auc"]),
            ("mpn-plausibility", "precision @%.4g" % thr, round(p, 4), round(bp, 4), rec["precision"]),
            ("mpn-plausibility", "recall @%.4g" % thr, round(r, 4), round(br, 4), rec["recall"])]


# ------------------------------------------------------------------ test vectors

def check_vectors(name):
    d, man, model = load_artifact(name)
    path = os.path.join(d, "testvectors.jsonl")
    worst, n = 0.0, 0
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(l) for l in f]
    if man["task"] == "classification":
        for row in rows:
            toks, ids, counts = C.featurize(row["text"])
            assert [[t[1], t[2]] for t in toks] == row["tokens"], row["text"]
            assert (ids or [0]) == row["features"]["ids"] and (counts or [0.0]) == row["features"]["counts"]
            p = onnx_np.run(model, {"ids": np.array([row["features"]["ids"]], dtype=np.int64),
                                    "counts": np.array([row["features"]["counts"]], dtype=np.float32)})[0]
            worst = max(worst, float(np.abs(p[0] - np.array(row["outputs"]["probs"])).max()))
            n += 1
    elif man["task"] == "token-tagging":
        feat = man["featurizer"]["gazetteers"]
        brands = X.read_brands(check_side_file(d, feat["brands"]))
        attr_gaz = X.read_attr_gaz(check_side_file(d, feat["attributes"])) if feat.get("attributes") else None
        for row in rows:
            toks, ids = TG.token_features(row["text"], brands, attr_gaz)
            assert [[t[1], t[2]] for t in toks] == row["tokens"], row["text"]
            assert (ids or [[0] * len(TG.SLOTS)]) == row["features"]["ids"], row["text"]
            cp, ap = onnx_np.run(model, {"ids": np.array([row["features"]["ids"]], dtype=np.int64)})
            worst = max(worst, float(np.abs(cp[0] - np.array(row["outputs"]["core_probs"])).max()),
                        float(np.abs(ap[0] - np.array(row["outputs"]["attr_probs"])).max()))
            ex = TG.extract(row["text"], toks, np.array(row["outputs"]["core_probs"], dtype=np.float64),
                            np.array(row["outputs"]["attr_probs"], dtype=np.float64),
                            man["labels"]["core"], man["labels"]["attr"])
            assert ex == row["decoded"], (row["text"], ex, row["decoded"])
            n += 1
    else:
        for row in rows:
            fs = M.feature_strings(row["brand"], row["candidate"], row["category"])
            assert fs == row["feature_strings"]
            assert ([F.hash_id(x, M.BUCKETS) for x in fs] or [0]) == row["features"]["ids"]
            s = onnx_np.run(model, {"ids": np.array([row["features"]["ids"]], dtype=np.int64)})[0]
            worst = max(worst, float(abs(s[0] - row["outputs"]["score"][0])))
            n += 1
    assert worst < 1e-4, "%s: test vector outputs differ by %g" % (name, worst)
    return n, worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", action="store_true", help="also re-check every testvectors.jsonl")
    ap.add_argument("--eval", default=EVAL)
    args = ap.parse_args()
    records = D.load(args.eval)
    assert all(r["fold"] in D.TEST_FOLDS for r in records), "evaluation file must hold folds 8 and 9 only"
    names = sorted(n for n in os.listdir(ART) if os.path.exists(os.path.join(ART, n, "manifest.json")))
    rows = []
    for n in names:
        if n == "classifier":
            rows += eval_classifier(records)
        elif n.startswith("extractor-"):
            rows += eval_extractor(n, records)
        elif n == "mpn-plausibility":
            rows += eval_mpn(records)
    print("Folds 8+9 (%d records, %s), shipped ONNX files run by the NumPy interpreter" % (len(records), args.eval))
    print("%-34s %-34s %8s %9s %9s" % ("model", "metric", "model", "baseline", "manifest"))
    for model, metric, v, b, man in rows:
        fmt = lambda x: "-" if x is None else "%.4f" % x
        print("%-34s %-34s %8s %9s %9s" % (model, metric, fmt(v), fmt(b), fmt(man)))
        if man is not None and v is not None and abs(v - man) > 1e-3:
            print("  WARNING: differs from the manifest")
    if args.vectors:
        for n in names:
            if n == "classifier-deep":
                # its vectors start from ONNX Runtime's int8 encoder, which this interpreter does not run: the C# tests check them
                print("testvectors %-30s checked by tests/Inference.Tests/Models/DeepClassifierTests.cs (ONNX Runtime)" % n)
                continue
            cnt, worst = check_vectors(n)
            print("testvectors %-30s %4d rows ok (features identical, outputs within %.1g)" % (n, cnt, worst))


if __name__ == "__main__":
    main()
