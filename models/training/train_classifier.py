"""Train the coarse-category classifier and write models/artifacts/classifier/."""
import numpy as np
from sklearn.svm import LinearSVC

import baselines
import classifier as C
import common
import data as D

NAME = "classifier"
C_GRID = (0.25, 0.5, 1.0)


def main():
    out_dir = common.artifact_dir(NAME)
    cats = D.categories()
    ci = {c: i for i, c in enumerate(cats)}
    R = D.load()
    labelled = [r for r in R if r["coarse_category"]]
    tr, va, te = D.split(labelled)
    print("classifier: train %d, val %d, test %d" % (len(tr), len(va), len(te)), flush=True)
    feats = {r["id"]: C.featurize(r["text"]) for r in labelled}
    n_cols = C.BUCKETS + 1
    Xtr_raw = C.matrix([feats[r["id"]] for r in tr], n_cols)
    idf = C.idf_weights(Xtr_raw).astype(np.float32).astype(np.float64)  # the ONNX model stores float32
    Xtr = C.tfidf(Xtr_raw, idf)
    Xva = C.tfidf(C.matrix([feats[r["id"]] for r in va], n_cols), idf)
    ytr = np.array([ci[r["coarse_category"]] for r in tr])
    yva = np.array([ci[r["coarse_category"]] for r in va])

    # model choice on fold 7
    best = None
    for c in C_GRID:
        m = LinearSVC(C=c, random_state=0, max_iter=5000).fit(Xtr, ytr)
        dec = m.decision_function(Xva)
        acc = float((dec.argmax(1) == yva).mean())
        print("  C=%g val acc %.4f" % (c, acc), flush=True)
        if best is None or acc > best[0]:
            best = (acc, c, m)
    _, c_best, m = best
    # liblinear only sees the classes present in training; expand to all categories
    W = np.zeros((n_cols, len(cats)), dtype=np.float32)
    b = np.full(len(cats), -10.0, dtype=np.float32)
    for k, cls in enumerate(m.classes_):
        W[:, cls] = m.coef_[k].astype(np.float32)
        b[cls] = np.float32(m.intercept_[k])
    W[0] = 0.0
    dec_va = (Xva @ W.astype(np.float64)) + b
    T, nll_t, nll_1 = C.fit_temperature(np.asarray(dec_va), yva)
    print("  C=%g temperature %.4f (val NLL %.4f -> %.4f)" % (c_best, T, nll_1, nll_t), flush=True)

    model = C.LinearTfidf(idf.astype(np.float32), W, b, T)
    model.eval()

    def run(records):
        return C.classifier_probs(model, [feats[r["id"]][1:] for r in records])

    # metrics (torch outputs == ONNX outputs up to float rounding; evaluate.py re-checks with ONNX)
    metrics = {}
    groups = {"fold7": va, "folds89": te}
    eval_cats = common.eval_categories(te)
    for g, recs in groups.items():
        P = run(recs)
        y = np.array([ci[r["coarse_category"]] for r in recs])
        metrics[g] = common.classification_metrics(P, y, cats, eval_cats)
        metrics[g]["ece"] = round(C.ece(P, y), 4)
        bp = np.array([ci[baselines.keyword_category(r["text"], cats)] for r in recs])
        metrics[g + "_baseline_keyword"] = common.classification_metrics(None, y, cats, eval_cats, pred=bp)
        print("  %s: %s" % (g, metrics[g]), flush=True)
        print("  %s baseline: %s" % (g, metrics[g + "_baseline_keyword"]), flush=True)

    # export
    tables_sha = common.write_unicode_tables(out_dir)
    C.export_classifier(model, out_dir)
    # test vectors
    texts = common.testvector_texts(R, n_real=170)
    C.write_classifier_testvectors(model, texts, out_dir)
    manifest = C.classifier_manifest(model, cats, metrics, c_best, T, eval_cats, len(tr), len(va), tables_sha)
    common.write_manifest(out_dir, manifest)
    print("classifier: done", flush=True)


if __name__ == "__main__":
    main()
