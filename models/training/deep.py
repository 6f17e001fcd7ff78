"""The deep classifier's head and the cascade it sits in: features from sentence embeddings, the blend with the fast classifier,
and the fast classifier retrained without some records (for the cross-source and leave-one-category-out figures).

The head scores category k for a product with embedding e (unit length) and fast probabilities p:
  zero-shot z_k = max over k's written phrases of cos(e, phrase)                      (category_descriptions.json)
  few-shot  n_k = sum of cos(e, m) over the K nearest training embeddings m labelled k, / K
  u_k = seen_k * (a * ln(p_k + eps) + c * n_k) + b * z_k + (1 - seen_k) * beta
  probs = softmax(u)
seen_k = n_k / (n_k + trust) grows with the category's n_k training records: a category with few (a family the data barely
covers) leans on its description, one without any (withheld to measure, or new with only its description) is scored by its
description and the prior beta alone.
"""
import collections

import numpy as np
import torch
from sklearn.svm import LinearSVC

import classifier as C

EPS = 1e-4
K = 10


def unit(x):
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


class Fast:
    """The fast classifier's recipe (classifier.py, as train_classifier.py fits it): hashed tf-idf, LinearSVC C=1, temperature on the validation records."""

    def __init__(self, feats, train, val, y, n_cats):
        n_cols = C.BUCKETS + 1
        raw = C.matrix([feats[i] for i in train], n_cols)
        self.idf = C.idf_weights(raw).astype(np.float32).astype(np.float64)
        self.feats = feats
        m = LinearSVC(C=1.0, random_state=0, max_iter=5000).fit(C.tfidf(raw, self.idf), y[train])
        self.W = np.zeros((n_cols, n_cats))
        self.b = np.full(n_cats, -10.0)
        for k, cls in enumerate(m.classes_):
            self.W[:, cls] = m.coef_[k]
            self.b[cls] = m.intercept_[k]
        self.W[0] = 0.0
        self.T, _, _ = C.fit_temperature(np.asarray(self.decision(val)), y[val])

    def decision(self, ix):
        X = C.tfidf(C.matrix([self.feats[i] for i in ix], C.BUCKETS + 1), self.idf)
        return np.asarray(X @ self.W) + self.b

    def probs(self, ix):
        d = self.decision(ix) / self.T
        d = d - d.max(1, keepdims=True)
        p = np.exp(d)
        return p / p.sum(1, keepdims=True)


def zero_shot(E, phrases, phrase_cat, n_cats):
    S = E @ phrases.T
    z = np.full((len(E), n_cats), -1.0)
    for k in range(n_cats):
        if (phrase_cat == k).any():
            z[:, k] = S[:, phrase_cat == k].max(1)
    return z


def neighbours(E, memory, memory_y, n_cats, k=K, chunk=2048):
    out = np.zeros((len(E), n_cats))
    for s in range(0, len(E), chunk):
        sims = E[s:s + chunk] @ memory.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(sims, top, 1)
        labs = memory_y[top]
        for j in range(k):
            np.add.at(out[s:s + chunk], (np.arange(len(top)), labs[:, j]), vals[:, j] / k)
    return out


def utilities(params, logp, z, n, seen):
    a, b, c, beta = params
    return seen * (a * logp + c * n) + b * z + (1 - seen) * beta


def fit_blend(logp, z, n, y, seen, iters=300):
    """a, b, c by maximum likelihood on the records that take the deep path (beta is not identifiable here: every category seen)."""
    t = lambda x: torch.tensor(x, dtype=torch.float64)
    logp_t, z_t, n_t, y_t = t(logp), t(z), t(n), torch.tensor(y)
    s_t = t(seen)[None, :]
    w = torch.tensor([1.0, 10.0, 10.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        u = s_t * (w[0] * logp_t + w[2] * n_t) + w[1] * z_t
        loss = torch.nn.functional.cross_entropy(u, y_t)
        loss.backward()
        return loss

    opt.step(closure)
    a, b, c = (float(x) for x in w.detach())
    return a, b, c


def softmax(u):
    u = u - u.max(1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(1, keepdims=True)


def cascade(p_fast, deep_probs, gate):
    """The category each record ends in: the fast answer at or above the gate, the deep answer below it; and which path decided."""
    conf = p_fast.max(1)
    deep = conf < gate
    pred = np.where(deep, deep_probs.argmax(1), p_fast.argmax(1))
    final_conf = np.where(deep, deep_probs.max(1), conf)
    return pred, final_conf, deep


def macro_f1(pred, y, cats_idx):
    f1s = []
    for k in cats_idx:
        tp = int(((pred == k) & (y == k)).sum())
        fp = int(((pred == k) & (y != k)).sum())
        fn = int(((pred != k) & (y == k)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1s)) if f1s else float("nan")


def eval_categories(y, min_count=30):
    c = collections.Counter(int(v) for v in y)
    return sorted(k for k, v in c.items() if v >= min_count)
