"""Model compute time per product at batch 32 on one core (torch eager, weights read back from the
shipped model.onnx files). Python onnxruntime is not available here; ONNX Runtime runs the same
graphs (Gather/Conv/MatMul/Softmax), usually faster than torch eager for graphs this small, so these
figures are an upper-bound estimate; the C# benchmark measures the real thing.

  /usr/bin/python3 models/training/timing.py
"""
import os
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import classifier as C  # noqa: E402
import common  # noqa: E402
import data as D  # noqa: E402
import extractor as X  # noqa: E402
import onnx_np  # noqa: E402
import tagger as TG  # noqa: E402


class FastTagger(X.ExportTagger):
    """Same arithmetic as ExportTagger (the exported graph), but gathers with index_select, as
    ONNX Runtime's Gather does; torch's advanced indexing q[ids] is ~15x slower and would
    misrepresent the graph's cost."""

    def forward(self, ids):
        B, T, S = ids.shape
        flat = ids.reshape(-1)
        x = torch.index_select(self.q, 0, flat).float() * torch.index_select(self.scale, 0, flat).unsqueeze(1)
        x = x.reshape(B, T, S, -1).sum(2)
        mask = (ids[:, :, 1] != 0).float().unsqueeze(2)
        x = x * mask
        g = x.sum(1) / mask.sum(1).clamp(min=1.0)
        h = (x + self.glob(g).unsqueeze(1)) * mask
        m1 = mask.transpose(1, 2)
        h = h.transpose(1, 2)
        for conv in self.convs:
            h = (h + torch.relu(conv(h))) * m1
        h = h.transpose(1, 2)
        core = torch.softmax(self.core(h), -1)
        attr = mask * 0.0 + 1.0 if self.attr is None else torch.softmax(self.attr(h), -1)
        return core, attr


def inits(path):
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


def classifier_from_onnx():
    w = inits(os.path.join(common.ARTIFACTS, "classifier", "model.onnx"))
    with open(os.path.join(common.ARTIFACTS, "classifier", "manifest.json")) as f:
        import json
        T = json.load(f)["calibration"]["temperature"]
    return C.LinearTfidf(w["idf"][:, 0], w["W"], w["b"], T).eval()


def tagger_from_onnx(name, n_attr):
    w = inits(os.path.join(common.ARTIFACTS, name, "model.onnx"))
    m = TG.Tagger(7, n_attr)
    mm = sorted((k for k in w if k.startswith("onnx::MatMul")), key=lambda k: int(k.split("_")[-1]))
    sd = {k: torch.tensor(v) for k, v in w.items() if not k.startswith("onnx::") and k not in ("q", "scale")}
    sd["emb.weight"] = torch.zeros(m.emb.weight.shape)
    sd["core.weight"] = torch.tensor(w[mm[0]].T.copy())
    if n_attr > 1:
        sd["attr.weight"] = torch.tensor(w[mm[1]].T.copy())
    m.load_state_dict(sd, strict=False)
    e = FastTagger(m)
    e.q = torch.tensor(w["q"])
    e.scale = torch.tensor(w["scale"])
    return e.eval()


def bench(fn, batches, repeat=3):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        for b in batches:
            fn(b)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def main():
    torch.set_num_threads(1)
    allrec = D.load(common.EVAL)
    for label, records in (("folds 8+9, first 1024 records (mostly Amazon titles)", allrec[:1024]),
                           ("folds 8+9, the %d WDC records (titles + descriptions)" %
                            sum(r["source"] != "walmart-amazon/amazon" for r in allrec),
                            [r for r in allrec if r["source"] != "walmart-amazon/amazon"])):
        print("== " + label)
        run(records)


def run(records):
    clf = classifier_from_onnx()
    cf = [C.featurize(r["text"]) for r in records]
    cb = []
    for k in range(0, len(cf), 32):
        ch = cf[k:k + 32]
        cb.append((torch.tensor(common.pad_batch([f[1] or [0] for f in ch])),
                   torch.tensor(common.pad_batch([f[2] or [0.0] for f in ch], np.float32))))
    # the torch rebuild must agree with the ONNX file
    p_t = clf(*cb[0]).detach().numpy()
    p_o = onnx_np.run(os.path.join(common.ARTIFACTS, "classifier", "model.onnx"),
                      {"ids": cb[0][0].numpy(), "counts": cb[0][1].numpy()})[0]
    assert np.abs(p_t - p_o).max() < 1e-4
    with torch.no_grad():
        t_clf = bench(lambda b: clf(*b), cb)
    print("classifier: %.1f us per product (batch 32, %d products, mean features per product %.0f)"
          % (1e6 * t_clf / len(records), len(records), np.mean([len(f[1]) for f in cf])))

    import json
    brands = X.read_brands(os.path.join(common.ARTIFACTS, "extractor-generic", "brands.txt"))
    tb = []
    feats = [TG.token_features(r["text"], brands) for r in records]
    for k in range(0, len(feats), 32):
        ch = feats[k:k + 32]
        T = max(1, max(len(f[0]) for f in ch))
        ids = np.zeros((len(ch), T, len(TG.SLOTS)), dtype=np.int64)
        for b, f in enumerate(ch):
            if f[0]:
                ids[b, :len(f[0])] = f[1]
        tb.append(torch.tensor(ids))
    worst = [torch.tensor(np.tile(np.arange(1, len(TG.SLOTS) + 1), (32, TG.MAX_TOKENS, 1)).astype(np.int64))]
    for name in ("extractor-generic", "extractor-office-products"):
        with open(os.path.join(common.ARTIFACTS, name, "manifest.json")) as f:
            man = json.load(f)
        m = tagger_from_onnx(name, len(man["labels"]["attr"]))
        cp, ap = m(tb[0])
        cpo, apo = onnx_np.run(os.path.join(common.ARTIFACTS, name, "model.onnx"), {"ids": tb[0].numpy()})
        assert np.abs(cp.detach().numpy() - cpo).max() < 1e-4
        with torch.no_grad():
            t = bench(lambda b: m(b), tb)
            tw = bench(lambda b: m(b), worst * 4)
        print("%s: %.1f us per product on folds-8/9 texts in file order (mean %.1f tokens, batches padded "
              "to their longest); %.1f us per product when every text has %d tokens"
              % (name, 1e6 * t / len(records), np.mean([len(f[0]) for f in feats]), 1e6 * tw / 128,
                 TG.MAX_TOKENS))


if __name__ == "__main__":
    main()
