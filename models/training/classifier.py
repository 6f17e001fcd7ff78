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

Also here: the tf-idf training recipe (train_classifier.py fits it, deep.py refits it without some records).
"""
import collections

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn as nn

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
