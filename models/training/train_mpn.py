"""Train the MPN plausibility scorer and write models/artifacts/mpn-plausibility/."""
import numpy as np
import torch
import torch.nn as nn

import common
import data as D
import mpn as M

NAME = "mpn-plausibility"
SEED = 0


def to_batch(rows):
    return torch.tensor(common.pad_batch(rows))


def scores(model, feats, bs=1024):
    out = []
    model.eval()
    with torch.no_grad():
        for k in range(0, len(feats), bs):
            out.append(model(to_batch(feats[k:k + bs])).numpy())
    return np.concatenate(out)


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    out_dir = common.artifact_dir(NAME)
    R = D.load()
    tr, va, te = D.split(R)
    ex = {"train": M.examples(tr, 1), "fold7": M.examples(va, 2), "folds89": M.examples(te, 3)}
    feats = {k: [M.featurize(b, c, cat) for b, c, cat, _ in v] for k, v in ex.items()}
    ys = {k: np.array([e[3] for e in v]) for k, v in ex.items()}
    print("mpn: examples", {k: (len(v), int(ys[k].sum())) for k, v in ex.items()}, flush=True)

    model = M.MpnScorer()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.RandomState(SEED)
    ytr = torch.tensor(ys["train"], dtype=torch.float32)
    n = len(feats["train"])
    best = (-1.0, None, -1)
    for ep in range(12):
        model.train()
        perm = rng.permutation(n)
        for k in range(0, n, 128):
            idx = perm[k:k + 128]
            ids = to_batch([feats["train"][i] for i in idx])
            # feature dropout (not on padding)
            drop = torch.tensor(rng.rand(*ids.shape) < 0.1)
            ids = torch.where(drop, torch.zeros_like(ids), ids)
            loss = nn.functional.binary_cross_entropy_with_logits(model.logit(ids), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        a = M.auc(scores(model, feats["fold7"]), ys["fold7"])
        print("  epoch %d fold-7 AUC %.4f" % (ep, a), flush=True)
        if a > best[0]:
            best = (a, {k: v.clone() for k, v in model.state_dict().items()}, ep)
    model.load_state_dict(best[1])
    model.eval()
    model = M.ExportMpn(model).eval()  # the shipped (int8) form; every figure below is measured on it
    print("  best epoch %d" % best[2], flush=True)

    # threshold on fold 7: maximise F1
    s7 = scores(model, feats["fold7"])
    cands = np.unique(np.round(s7, 4))
    thr, bf = 0.5, -1
    for t in cands:
        f1 = M.pr_at(s7, ys["fold7"], t)[2]
        if f1 > bf:
            thr, bf = round(float(t), 4), f1
    metrics = {}
    for g in ("fold7", "folds89"):
        s = scores(model, feats[g])
        p, r, f1 = M.pr_at(s, ys[g], thr)
        hs = np.array([M.heuristic_score(b, c, cat) for b, c, cat, _ in ex[g]])
        hp, hr, hf = M.pr_at(hs, ys[g], 0.99)
        metrics[g] = {"examples": len(s), "positives": int(ys[g].sum()), "auc": round(M.auc(s, ys[g]), 4),
                      "threshold": thr, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}
        metrics[g + "_baseline_heuristic"] = {"auc": round(M.auc(hs, ys[g]), 4), "threshold": 1.0,
                                              "precision": round(hp, 4), "recall": round(hr, 4), "f1": round(hf, 4)}
        print("  %s: %s" % (g, metrics[g]), flush=True)
        print("  %s baseline: %s" % (g, metrics[g + "_baseline_heuristic"]), flush=True)

    tables_sha = common.write_unicode_tables(out_dir)
    M.export_mpn(model, out_dir)
    M.write_mpn_testvectors(model, R, out_dir)
    manifest = M.mpn_manifest(metrics, thr, tables_sha, best[2])
    common.write_manifest(out_dir, manifest)
    print("mpn: done", flush=True)


if __name__ == "__main__":
    main()
