"""Where MPN precision over every record is lost, and how far a "no MPN" gate over the decoded MPN could take it.

    /usr/bin/python3 models/training/probe_mpn_precision.py breakdown   # fold 7 and folds 8+9
    /usr/bin/python3 models/training/probe_mpn_precision.py gate        # learned gates, scored on folds 8+9

The shipped extractors run on every record (each routed by its labelled coarse category, the generic extractor otherwise; the
pipeline routes by the classifier, so its figures differ a little) with the extraction rules off, as the Python decoder defines
them. `breakdown` sorts every extracted MPN into: right / the record has no MPN label / the label is not in the text / a part or
superset of the label / another string. `gate` fits gates that keep or drop the decoded MPN, from features that do not name a
brand (span score, the model's MPN probabilities, the span's shape, length, position, neighbours, the title's words and shape),
and prints the best precision any threshold reaches at recall 0.80 and 0.85 on folds 8+9: an upper bound on what such a gate
shipped with a threshold chosen on fold 7 could do. The decoded records are cached in training/.cache/ (ignored by git).
"""
import collections
import json
import os
import pickle
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import baselines  # noqa: E402
import common  # noqa: E402
import data as D  # noqa: E402
import extractor as X  # noqa: E402
import featurizer as F  # noqa: E402
import onnx_np  # noqa: E402
import tagger as TG  # noqa: E402

CATEGORY_EXTRACTORS = ("computers-accessories", "office-products", "home-garden", "jewelry-watches")
CACHE = os.path.join(HERE, ".cache")
RIGHT = "right"
NO_LABEL = "the record has no MPN label"
NOT_IN_TEXT = "its label is not in the text"
PART = "label in the text: a part or superset of it"
OTHER = "label in the text: another string"
NOTHING = "nothing extracted"


def _artifact(name):
    import onnx
    d = os.path.join(common.ARTIFACTS, name)
    with open(os.path.join(d, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    with open(os.path.join(d, "model.onnx"), "rb") as f:
        blob = f.read()
    assert common.sha256_bytes(blob) == man["sha256"], name
    return d, man, onnx.load_from_string(blob)


def decode_all(records):
    """Per record: the extractor, its tokens, the core head's probabilities and the decoded MPN (value, start, end, score)."""
    groups = collections.defaultdict(list)
    for k, r in enumerate(records):
        c = r.get("coarse_category")
        groups["extractor-" + c if c in CATEGORY_EXTRACTORS else "extractor-generic"].append(k)
    out = [None] * len(records)
    for name, idx in sorted(groups.items()):
        d, man, model = _artifact(name)
        gaz = man["featurizer"]["gazetteers"]
        brands = X.read_brands(os.path.join(d, gaz["brands"]["file"]))
        attr_gaz = X.read_attr_gaz(os.path.join(d, gaz["attributes"]["file"])) if gaz.get("attributes") else None
        core_labels, attr_labels = man["labels"]["core"], man["labels"]["attr"]
        for s in range(0, len(idx), 64):
            chunk = [records[k] for k in idx[s:s + 64]]
            fs = [TG.token_features(r["text"], brands, attr_gaz) for r in chunk]
            ids = np.zeros((len(chunk), max(1, max(len(f[0]) for f in fs)), len(TG.SLOTS)), dtype=np.int64)
            for b, f in enumerate(fs):
                if f[0]:
                    ids[b, :len(f[0])] = f[1]
            cp, ap = onnx_np.run(model, {"ids": ids})
            for b, (k, r, f) in enumerate(zip(idx[s:s + 64], chunk, fs)):
                ex = TG.extract(r["text"], f[0], cp[b], ap[b], core_labels, attr_labels)
                out[k] = {"extractor": name, "toks": f[0], "core": cp[b][:len(f[0])].astype(np.float32), "mpn": ex.get("MPN")}
    return out


def decoded(folds):
    """(records, decoded) of the folds, from the cache when it is there."""
    records = [r for r in D.load() if r["fold"] in folds]
    shipped = "".join(json.load(open(os.path.join(common.ARTIFACTS, "extractor-" + c, "manifest.json")))["sha256"][:8]
                      for c in CATEGORY_EXTRACTORS + ("generic",))  # a retrained extractor is decoded again
    path = os.path.join(CACHE, "mpn-decoded-%s-%s.pkl" % ("".join(map(str, folds)), common.sha256_bytes(shipped.encode())[:12]))
    if os.path.exists(path):
        with open(path, "rb") as f:
            return records, pickle.load(f)
    out = decode_all(records)
    os.makedirs(CACHE, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(out, f)
    return records, out


def label_keys(r):
    return [k for k in (F.alnum_key(v) for v in D.core_values(r).get("MPN", [])) if k]


def in_text(r):
    text = F.alnum_key(r["text"])
    return any(k in text for k in label_keys(r))


def status(r, value):
    """How `inference eval` judges an extracted MPN over every record (alphanumerics, case ignored), and why it is wrong."""
    keys = label_keys(r)
    key = F.alnum_key(value) if value else ""
    if not key:
        return NOTHING
    if not keys:
        return NO_LABEL
    if key in keys:
        return RIGHT
    if not in_text(r):
        return NOT_IN_TEXT
    return PART if any(key in k or k in key for k in keys) else OTHER


def breakdown():
    records, dec = decoded((7, 8, 9))
    for name, folds in (("fold 7", (7,)), ("folds 8+9", (8, 9))):
        c, by_source = collections.Counter(), collections.Counter()
        for r, d in zip(records, dec):
            if r["fold"] in folds:
                st = status(r, d["mpn"]["value"] if d["mpn"] else None)
                c[st] += 1
                by_source[(r["source"], st)] += 1
        extracted = sum(v for k, v in c.items() if k != NOTHING)
        print("%s: %d MPNs extracted, precision %.4f" % (name, extracted, c[RIGHT] / extracted))
        for k in (RIGHT, NO_LABEL, NOT_IN_TEXT, PART, OTHER):
            print("  %-45s %5d  %5.1f %%" % (k, c[k], 100.0 * c[k] / extracted))
        print("  %-45s %5d" % (NOTHING, c[NOTHING]))
        looks = collections.Counter()
        for r in records:
            if r["fold"] in folds:
                kind = "labelled, in the text" if in_text(r) else "labelled, not in the text" if label_keys(r) else "no label"
                looks[(kind, baselines.regex_mpn(r["text"]) is not None)] += 1
        print("  records whose text holds an MPN-like chunk (4+ characters, a digit and a letter, or 5+ digits):")
        for kind in ("labelled, in the text", "labelled, not in the text", "no label"):
            n = looks[(kind, True)] + looks[(kind, False)]
            print("    %-28s %5d of %5d (%.1f %%)" % (kind, looks[(kind, True)], n, 100.0 * looks[(kind, True)] / n))
        print("  by source (right / no label / not in the text / part or superset / another string):")
        for source in sorted({s for s, _ in by_source}):
            print("    %-24s %s" % (source, " / ".join(str(by_source[(source, k)]) for k in (RIGHT, NO_LABEL, NOT_IN_TEXT, PART, OTHER))))


def _span(d):
    m, toks = d["mpn"], d["toks"]
    i = next(k for k, t in enumerate(toks) if t[1] == m["start"])
    j = next(k for k, t in enumerate(toks) if t[2] == m["end"])
    return i, j


def dense_features(r, d):
    m, toks, p = d["mpn"], d["toks"], d["core"]
    if not m:
        return [0.0] * 19
    v, (i, j), n = m["value"], _span(d), len(toks)
    digits, letters = sum(c.isdigit() for c in v), sum(c.isalpha() for c in v)
    b = np.sort(p[:, 3])
    return [m["score"], float(b[-1]), float(b[-2]) if n > 1 else 0.0, len(v), digits, letters, v.count("-"), v.count(" "),
            i, i / n, n, j - i + 1, int("\n" in r["text"]), float(p[i:j + 1, 0].mean()), int(digits > 0 and letters > 0),
            int(letters == 0), sum(1 for t in toks if any(c.isdigit() for c in t[0]) and any(c.isalpha() for c in t[0])),
            float(p[:, 1].max()), int(d["extractor"] == "extractor-generic")]


def sparse_features(r, d):
    toks = d["toks"]
    f = ["w:" + t[3] for t in toks[:40] if t[3].isalpha()]
    if d["mpn"]:
        i, j = _span(d)
        f += ["prev:" + (toks[i - 1][3] if i > 0 else "^"), "prev2:" + (toks[i - 2][3] if i > 1 else "^"),
              "next:" + (toks[j + 1][3] if j + 1 < len(toks) else "$"), "shape:" + F.shape(d["mpn"]["value"])[:10],
              "extractor:" + d["extractor"]]
    return f


def best_precision(score, right, n_in_text, recalls=(0.80, 0.85)):
    order = np.argsort(-score, kind="stable")
    tp = np.cumsum(right[order])
    precision, recall = tp / np.arange(1, len(order) + 1), tp / n_in_text
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    b = int(f1.argmax())
    best = ["recall >= %.2f: precision %.4f" % (x, precision[recall >= x].max() if (recall >= x).any() else float("nan"))
            for x in recalls]
    return "; ".join(best) + "; best F1 %.4f (precision %.4f, recall %.4f)" % (f1[b], precision[b], recall[b])


def gate():
    import scipy.sparse as sp
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression
    train, dec_train = decoded((0, 1, 2, 3, 4, 5, 6))
    rest, dec_rest = decoded((7, 8, 9))
    records, dec = train + rest, dec_train + dec_rest
    fold = np.array([r["fold"] for r in records])
    right = np.array([status(r, d["mpn"]["value"] if d["mpn"] else None) == RIGHT for r, d in zip(records, dec)])
    dense = np.array([dense_features(r, d) for r, d in zip(records, dec)])
    hashed = FeatureHasher(2 ** 18, input_type="string").transform([sparse_features(r, d) for r, d in zip(records, dec)])
    test = fold >= 8
    n_in_text = sum(in_text(r) for r in records if r["fold"] >= 8)
    print("folds 8+9: %d records, %d with the MPN label in the text; every threshold tried on folds 8+9 itself" % (test.sum(), n_in_text))
    print("  span score alone (Models:MpnMinimumScore): " + best_precision(dense[test, 0], right[test], n_in_text))
    for name, fit in (("fold 7", fold == 7), ("folds 0-7", fold <= 7)):
        mu, sd = dense[fit].mean(0), dense[fit].std(0) + 1e-9
        both = sp.hstack([hashed, sp.csr_matrix((dense - mu) / sd)]).tocsr()
        hgb = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0).fit(dense[fit], right[fit])
        print("  gradient boosting, dense features, fit on %s: " % name
              + best_precision(hgb.predict_proba(dense[test])[:, 1], right[test], n_in_text))
        for c in (0.1, 0.3, 1.0):
            lr = LogisticRegression(C=c, max_iter=3000).fit(both[fit], right[fit])
            print("  logistic regression C=%g, words + dense, fit on %s: " % (c, name)
                  + best_precision(lr.predict_proba(both[test])[:, 1], right[test], n_in_text))


if __name__ == "__main__":
    {"breakdown": breakdown, "gate": gate}[sys.argv[1] if len(sys.argv) > 1 else "breakdown"]()
