"""Coarse-category classifier: hashed word / bigram / char n-gram features, tf-idf weighting,
a linear model (liblinear SVM, one-vs-rest), temperature-scaled softmax.

Featurizer (reimplemented in C#):
  tokens = featurizer.tokenize(text, MAX_TOKENS)
  for each token t (normalised) at index i:
      "w:" + t
      "b:" + t + " " + next token          (when there is a next token)
      if t is a word token: for n in 3, 4, 5, every n-gram (in code points) of "<" + t + ">"
          as "c<n>:" + gram  (e.g. "c3:<ko")
  id = 1 + fnv1a32(utf8(feature)) % BUCKETS; count occurrences per id;
  ONNX inputs: ids = distinct ids in first-occurrence order, counts = their counts (float).

Also here: the tf-idf training recipe (train_classifier.py fits it, deep.py refits it without some records) and the
artifact's ONNX export, test vectors and manifest.
"""
import collections
import os

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn as nn

import common
import featurizer as F

MAX_TOKENS = 256
BUCKETS = 2 ** 16
NGRAMS = (3, 4, 5)


def feature_strings(text):
    toks = F.tokenize(text, MAX_TOKENS)
    out = []
    for i, (t, s, e, raw) in enumerate(toks):
        out.append("w:" + t)
        if i + 1 < len(toks):
            out.append("b:" + t + " " + toks[i + 1][0])
        if F.is_word(ord(t[0])):
            w = "<" + t + ">"
            for n in NGRAMS:
                for j in range(len(w) - n + 1):
                    out.append("c%d:" % n + w[j:j + n])
    return toks, out


def featurize(text):
    """Returns (tokens, ids, counts): distinct hashed ids in first-occurrence order."""
    toks, fs = feature_strings(text)
    c = collections.OrderedDict()
    for f in fs:
        h = F.hash_id(f, BUCKETS)
        c[h] = c.get(h, 0) + 1
    return toks, list(c.keys()), [float(v) for v in c.values()]


class LinearTfidf(nn.Module):
    """ids [B,L] int64, counts [B,L] float -> probs [B,C] float."""

    def __init__(self, idf, W, b, temperature):
        super().__init__()
        self.idf = nn.Parameter(torch.tensor(idf, dtype=torch.float32).unsqueeze(1), requires_grad=False)
        self.W = nn.Parameter(torch.tensor(W, dtype=torch.float32), requires_grad=False)
        self.b = nn.Parameter(torch.tensor(b, dtype=torch.float32), requires_grad=False)
        self.inv_t = float(1.0 / temperature)

    def logits(self, ids, counts):
        idf = nn.functional.embedding(ids, self.idf).squeeze(2)  # [B,L]
        w = (1.0 + torch.log(torch.clamp(counts, min=1.0))) * idf
        norm = torch.sqrt(torch.sum(w * w, dim=1, keepdim=True))
        w = w / torch.clamp(norm, min=1e-12)
        rows = nn.functional.embedding(ids, self.W)  # [B,L,C]
        return torch.matmul(w.unsqueeze(1), rows).squeeze(1) + self.b

    def forward(self, ids, counts):
        return torch.softmax(self.logits(ids, counts) * self.inv_t, dim=1)


def fit_temperature(decision, y):
    """Temperature T minimising NLL of softmax(decision / T) (deterministic grid + refine)."""
    def nll(T):
        z = decision / T
        z = z - z.max(1, keepdims=True)
        lp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return -lp[np.arange(len(y)), y].mean()
    grid = np.exp(np.linspace(np.log(0.01), np.log(10), 301))
    vals = [nll(T) for T in grid]
    k = int(np.argmin(vals))
    lo, hi = grid[max(0, k - 1)], grid[min(len(grid) - 1, k + 1)]
    for _ in range(60):  # golden-section refine
        m1 = lo + (hi - lo) * 0.382
        m2 = lo + (hi - lo) * 0.618
        if nll(m1) < nll(m2):
            hi = m2
        else:
            lo = m1
    T = float(round((lo + hi) / 2, 6))
    return T, float(nll(T)), float(nll(1.0))


def ece(probs, y, bins=15):
    conf = probs.max(1)
    pred = probs.argmax(1)
    e = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = (conf > lo) & (conf <= hi)
        if m.any():
            e += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return float(e)


# ------------------------------------------------------------------ training recipe

def matrix(feats, n_cols):
    rows, cols, vals = [], [], []
    for i, (_, ids, counts) in enumerate(feats):
        for k, c in zip(ids, counts):
            rows.append(i)
            cols.append(k)
            vals.append(c)
    return sp.csr_matrix((np.array(vals, dtype=np.float64), (rows, cols)), shape=(len(feats), n_cols))


def idf_weights(X_raw):
    """Smoothed idf of raw count rows (as sklearn's TfidfVectorizer); the padding id 0 weighs nothing."""
    df = np.asarray((X_raw > 0).sum(0)).ravel().astype(np.float64)
    idf = np.log((1.0 + X_raw.shape[0]) / (1.0 + df)) + 1.0
    idf[0] = 0.0
    return idf


def tfidf(X, idf):
    X = X.copy()
    X.data = 1.0 + np.log(X.data)
    X = X @ sp.diags(idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(1)).ravel())
    norms[norms < 1e-12] = 1e-12
    return sp.diags(1.0 / norms) @ X


# ------------------------------------------------------------------ the artifact: export, test vectors, manifest

def classifier_probs(model, id_counts, bs=256):
    out = []
    with torch.no_grad():
        for k in range(0, len(id_counts), bs):
            chunk = id_counts[k:k + bs]
            ids = torch.tensor(common.pad_batch([c[0] for c in chunk]))
            cnt = torch.tensor(common.pad_batch([c[1] for c in chunk], np.float32))
            out.append(model(ids, cnt).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def export_classifier(model, out_dir):
    path = os.path.join(out_dir, "model.onnx")
    ids = torch.tensor([[5, 7, 0], [3, 0, 0]], dtype=torch.int64)
    cnt = torch.tensor([[1.0, 2.0, 0.0], [1.0, 0.0, 0.0]])
    common.export_onnx(model, (ids, cnt), path, ["ids", "counts"], ["probs"],
            {"ids": {0: "batch", 1: "features"}, "counts": {0: "batch", 1: "features"},
             "probs": {0: "batch"}})
    return path


def write_classifier_testvectors(model, texts, out_dir):
    rows = []
    feeds_all = []
    for t in texts:
        toks, ids, counts = featurize(t)
        feeds_all.append((ids, counts))
        rows.append({"text": t, "tokens": [[a[1], a[2]] for a in toks],
                     "features": {"ids": ids or [0], "counts": counts or [0.0]}})
    # outputs: each text alone (batch of 1), as C# would run it; then a batched parity check
    path = os.path.join(out_dir, "model.onnx")
    worst = 0.0
    for row, (ids, counts) in zip(rows, feeds_all):
        fi = np.array([ids or [0]], dtype=np.int64)
        fc = np.array([counts or [0.0]], dtype=np.float32)
        with torch.no_grad():
            p = model(torch.tensor(fi), torch.tensor(fc)).numpy()
        worst = max(worst, common.parity(path, {"ids": fi, "counts": fc}, [p]))
        row["outputs"] = {"probs": common.r5(p[0])}
    fi = common.pad_batch([f[0] for f in feeds_all])
    fc = common.pad_batch([f[1] for f in feeds_all], np.float32)
    with torch.no_grad():
        p = model(torch.tensor(fi), torch.tensor(fc)).numpy()
    worst = max(worst, common.parity(path, {"ids": fi, "counts": fc}, [p]))
    for row, pr in zip(rows, p):
        assert np.abs(np.array(row["outputs"]["probs"]) - pr).max() < 1e-4, "padding changes outputs"
    common.write_jsonl(os.path.join(out_dir, "testvectors.jsonl"), rows)
    print("  testvectors: %d rows, ONNX(numpy)/torch max abs diff %.2g" % (len(rows), worst), flush=True)


def classifier_manifest(model, cats, metrics, c_best, T, eval_cats, n_tr, n_va, tables_sha):
    return {
        "name": "classifier",
        "version": common.VERSION,
        "task": "classification",
        "created": common.CREATED + common.data_sha(),
        "description": "Coarse product category from the product text (title + '\\n' + description). "
                       "Linear one-vs-rest SVM (liblinear, C=%g) over tf-idf weighted hashed word, "
                       "bigram and character n-gram features; probabilities = softmax(scores / T), "
                       "T fitted on fold 7." % c_best,
        "training_data": common.training_data({"records": "records with a non-null coarse_category",
                                        "train_records": n_tr, "validation_records": n_va}),
        "labels": cats,
        "featurizer": {
            "tokenizer": common.tokenizer_spec(MAX_TOKENS, tables_sha),
            "hash": common.hash_spec(BUCKETS),
            "features": [
                {"template": "w:<token>", "for": "every token, in order"},
                {"template": "b:<token> <next token>", "for": "every token that has a next token (one U+0020 between)"},
                {"template": "c3:<gram>, c4:<gram>, c5:<gram>",
                 "for": "every token whose first code point is a word character: every 3-, 4- and 5-code-point "
                        "substring of '<' + token + '>', left to right, all 3-grams first, then 4-grams, then "
                        "5-grams (a token of n code points gives n, n-1 and n-2 of them; none when shorter)"},
            ],
            "order": "per token i: w, then b, then the c3s, c4s, c5s; tokens in order",
            "aggregation": "hash every feature string to an id; ids = the distinct ids in order of first "
                           "occurrence; counts = how many feature strings gave that id (as float32)",
            "empty_text": "no tokens -> ids = [0], counts = [0.0] (one padding entry); the model then returns "
                          "softmax(bias / T), a defined but uninformative distribution",
            "padding": "a batch is padded to its longest row with id 0 and count 0.0; padding changes nothing",
        },
        "inputs": [
            {"name": "ids", "type": "int64", "shape": ["batch", "features"]},
            {"name": "counts", "type": "float32", "shape": ["batch", "features"]},
        ],
        "outputs": [
            {"name": "probs", "type": "float32", "shape": ["batch", len(cats)],
             "meaning": "calibrated probability per label (order of `labels`); top-1 = argmax, "
                        "confidence = its probability, top-k = the k largest"},
        ],
        "graph": "w = (1 + ln(max(counts,1))) * idf[ids]; w /= max(||w||2, 1e-12); "
                 "scores = sum_j w_j * W[ids_j] + b; probs = softmax(scores * (1/T))",
        "calibration": {"method": "temperature scaling on fold 7", "temperature": T},
        "evaluation_categories": eval_cats,
        "metrics": metrics,
        "baseline": "keyword baseline: count text tokens (crudely stemmed) that occur in the taxonomy's "
                    "'covers' text of each category; most hits wins; none -> computers-accessories",
        "onnx": {"opset": common.OPSET, "file": "model.onnx"},
    }
