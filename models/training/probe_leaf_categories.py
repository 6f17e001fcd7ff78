"""Probe, not part of build.sh: does an SVM of the sources' leaf categories, its answer mapped to the coarse category,
beat the SVM of the coarse categories? Fold 7 only (folds 0-6 train); the result is in NOTES.md.

    /usr/bin/python3 models/training/probe_leaf_categories.py
"""
import numpy as np
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

import classifier as C
import data as D


def leaf(r):
    return r["source"].split("/")[0] + "|" + (r.get("category") or "")


def main():
    records = D.load()
    cats = D.categories()
    ci = {c: i for i, c in enumerate(cats)}
    coarse_of = {leaf(r): r["coarse_category"] for r in records}
    train = [r for r in records if r["fold"] in D.TRAIN_FOLDS]
    val = [r for r in records if r["fold"] in D.VAL_FOLDS and r["coarse_category"]]
    feats = {r["id"]: C.featurize(r["text"]) for r in train + val}
    n_cols = C.BUCKETS + 1
    y_val = np.array([ci[r["coarse_category"]] for r in val])
    eval_cats = [ci[c] for c in cats if sum(r["coarse_category"] == c for r in val) >= 30]

    def fit(rows, label):
        raw = C.matrix([feats[r["id"]] for r in rows], n_cols)
        idf = C.idf_weights(raw)
        model = LinearSVC(C=1.0, random_state=0, max_iter=5000).fit(C.tfidf(raw, idf), [label(r) for r in rows])
        return model, model.decision_function(C.tfidf(C.matrix([feats[r["id"]] for r in val], n_cols), idf))

    def report(tag, predicted):
        f1 = f1_score(y_val, predicted, labels=eval_cats, average="macro")
        print("%-40s acc %.4f  macro-F1 %.4f" % (tag, (predicted == y_val).mean(), f1), flush=True)

    labelled = [r for r in train if r["coarse_category"]]
    model, dec = fit(labelled, lambda r: r["coarse_category"])
    report("coarse", np.array([ci[c] for c in model.classes_[dec.argmax(1)]]))

    model, dec = fit(labelled, leaf)
    report("leaf, coarse-labelled records", np.array([ci[coarse_of[c]] for c in model.classes_[dec.argmax(1)]]))

    # leaves that map to no coarse category (accessories, cases, ...) trained too, never predicted
    model, dec = fit([r for r in train if r.get("category")], leaf)
    dec[:, np.array([coarse_of[c] is None for c in model.classes_])] = -np.inf
    report("leaf, every leaf, unmapped masked", np.array([ci[coarse_of[c]] for c in model.classes_[dec.argmax(1)]]))


if __name__ == "__main__":
    main()
