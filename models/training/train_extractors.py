"""Train the extractors (token taggers) and write models/artifacts/extractor-*/.

extractor-generic: BRAND / MPN / GTIN head, trained on every training record and a recased copy of each lower-case one
(`Brother WT300CL Waste Toner`, as cased listings print them: the lower-case sources alone taught brands as lower case only).
extractor-<category> (4 wdc-pave categories): initialised from the generic model, then trained
further on that category's records with an extra head for the category's wdc-pave attributes
(plus an attribute-value gazetteer feature).

  train_extractors.py                               # every extractor artifact
  train_extractors.py across-sources wdc-pave       # brand of the generic recipe trained without a source (writes nothing)
  train_extractors.py across-sources wdc-pave --no-copies
"""
import collections
import sys
import time

import numpy as np
import torch
import torch.nn as nn

import baselines
import common
import data as D
import extractor as X
import featurizer as F
import tagger as TG

SEED = 0
GENERIC = dict(epochs=2, lr=3e-3, wdrop=0.25, bs=32)  # over the training records and their recased copies (data.recased_copies)
JOINT = dict(epochs=40, lr=2e-3, wdrop=0.25, bs=32, sample_other=1)
CATEGORY = dict(epochs=15, lr=1e-3, wdrop=0.25, bs=32, sample_other=2)
MIN_ATTR_COUNT = 3
CORE = TG.bio_labels(D.CORE_LABELS)


class Features:
    """Token features for every record; training-fold records get gazetteer features built
    without their own fold (jackknife), so the gazetteer is not a perfect oracle in training."""

    def __init__(self, records, copies=()):
        """copies: training-fold records made from others (recased), featurised like their fold but kept out of the gazetteer."""
        self.records = records
        tr = [r for r in records if r["fold"] in D.TRAIN_FOLDS]
        self.tr = tr
        t0 = time.time()
        self.brands = TG.brand_entries(tr)
        full = set(self.brands)
        self.fe = {}
        for r in records:
            if r["fold"] not in D.TRAIN_FOLDS:
                self.fe[r["id"]] = TG.token_features(r["text"], full)
        for k in D.TRAIN_FOLDS:
            gk = set(TG.brand_entries([r for r in tr if r["fold"] != k]))
            for r in tr + list(copies):
                if r["fold"] == k:
                    self.fe[r["id"]] = TG.token_features(r["text"], gk)
        self.attr = {}
        print("  features: %d brands in the gazetteer, %.0fs" % (len(self.brands), time.time() - t0), flush=True)

    def set_attributes(self, attr_names):
        """Attribute gazetteer slot (last slot) for one category; None clears it."""
        self.attr = {}
        if not attr_names:
            return None
        full = TG.attribute_entries(self.tr, attr_names)
        for r in self.records:
            if r["fold"] not in D.TRAIN_FOLDS:
                self.attr[r["id"]] = TG.attribute_slot([t[0] for t in self.fe[r["id"]][0]], full)
        for k in D.TRAIN_FOLDS:
            g = TG.attribute_entries([r for r in self.tr if r["fold"] != k], attr_names)
            for r in self.tr:
                if r["fold"] == k:
                    self.attr[r["id"]] = TG.attribute_slot([t[0] for t in self.fe[r["id"]][0]], g)
        return full

    def get(self, r):
        toks, ids = self.fe[r["id"]]
        a = self.attr.get(r["id"])
        if a is not None:
            ids = [row[:-1] + [v] for row, v in zip(ids, a)]
        return toks, ids


def attr_names_for(tr, cat):
    c = collections.Counter(a for r in tr if r["source"] == "wdc-pave" and r["coarse_category"] == cat
                            for a in D.category_attr_values(r))
    return sorted(a for a, n in c.items() if n >= MIN_ATTR_COUNT)


def make_items(FE, records, attr_names, cat):
    AL = TG.bio_labels(attr_names)
    out = []
    for r in records:
        toks, ids = FE.get(r)
        if not toks:
            continue
        ct = TG.encode_tags(TG.core_targets(r, toks), CORE)
        cats = cat if isinstance(cat, (tuple, list, set)) else (cat,)
        has_attr = bool(attr_names) and r["source"] == "wdc-pave" and r["coarse_category"] in cats
        at = TG.encode_tags(TG.attr_targets(r, toks, attr_names), AL) if has_attr else [-100] * len(toks)
        out.append((ids, ct, at, has_attr))
    return out


def collate(items, rng, wdrop):
    T = max(len(x[0]) for x in items)
    S = len(TG.SLOTS)
    ids = np.zeros((len(items), T, S), dtype=np.int64)
    ct = np.full((len(items), T), -100, dtype=np.int64)
    at = np.full((len(items), T), -100, dtype=np.int64)
    for b, (i, c, a, _) in enumerate(items):
        ids[b, :len(i)] = i
        ct[b, :len(c)] = c
        at[b, :len(a)] = a
    if wdrop > 0:  # word dropout: hide the word feature of some tokens
        drop = (rng.rand(*ids.shape[:2]) < wdrop) & (ids[:, :, 1] != 0)
        ids[:, :, 0] = np.where(drop, 0, ids[:, :, 0])
    return torch.tensor(ids), torch.tensor(ct), torch.tensor(at)


def train(items, n_attr, epochs, lr, wdrop, bs, init=None, sample_other=None, seed=SEED, attr_rows=None):
    """attr_rows: when initialising from a model whose attribute head covers more labels, the
    rows of that head to keep (in the order of this model's attribute labels)."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    model = TG.Tagger(len(CORE), n_attr)
    if init is not None:
        sd = {k: v for k, v in init.state_dict().items() if not k.startswith("attr")}
        if attr_rows is not None and init.attr is not None:
            sd["attr.weight"] = init.attr.weight.detach()[attr_rows].clone()
            sd["attr.bias"] = init.attr.bias.detach()[attr_rows].clone()
        model.load_state_dict(sd, strict=False)
    if sample_other is not None:
        main = [it for it in items if it[3]]
        other = [it for it in items if not it[3]]
        n_other = min(len(other), int(sample_other * len(main)))
        ep_len = len(main) + n_other
    else:
        ep_len = len(items)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((ep_len + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    model.train()
    for ep in range(epochs):
        t0 = time.time()
        data = items
        if sample_other is not None:
            data = main + [other[i] for i in rng.permutation(len(other))[:n_other]]
        order = rng.permutation(len(data))
        batches = []
        for k in range(0, len(order), bs * 50):  # length-bucketed batches
            ch = sorted(order[k:k + bs * 50], key=lambda i: (len(data[i][0]), i))
            batches += [ch[j:j + bs] for j in range(0, len(ch), bs)]
        rng.shuffle(batches)
        tot = 0.0
        for b in batches:
            ids, ct, at = collate([data[i] for i in b], rng, wdrop)
            cl, al = model.logits(ids)
            loss = nn.functional.cross_entropy(cl.reshape(-1, cl.shape[-1]), ct.reshape(-1), ignore_index=-100)
            if al is not None and bool((at != -100).any()):
                loss = loss + nn.functional.cross_entropy(al.reshape(-1, al.shape[-1]), at.reshape(-1),
                                                          ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.item())
        if ep == epochs - 1 or ep % 10 == 0:
            print("    epoch %d loss %.4f (%.0fs)" % (ep, tot / max(1, len(batches)), time.time() - t0), flush=True)
    model.eval()
    return model


def predict(model, FE, records, bs=64):
    out = []
    with torch.no_grad():
        for k in range(0, len(records), bs):
            chunk = records[k:k + bs]
            feats = [FE.get(r) for r in chunk]
            T = max(1, max(len(f[0]) for f in feats))
            ids = np.zeros((len(chunk), T, len(TG.SLOTS)), dtype=np.int64)
            for b, f in enumerate(feats):
                if f[0]:
                    ids[b, :len(f[0])] = f[1]
            core, attr = model(torch.tensor(ids))
            for b, f in enumerate(feats):
                out.append((f[0], core[b].numpy(), attr[b].numpy()))
    return out


def model_predictions(model, FE, records, attr_names):
    AL = TG.bio_labels(attr_names)
    out = []
    for r, (toks, cp, ap) in zip(records, predict(model, FE, records)):
        ex = TG.extract(r["text"], toks, cp, ap, CORE, AL)
        out.append({k: v["value"] for k, v in ex.items()})
    return out


def metrics_for(model, FE, va, te, cat, attr_names, attr_gaz):
    m = {}
    groups = [("fold7", va), ("folds89", te)]
    for g, recs in groups:
        recs = X.served(recs, cat)
        m[g] = X.score_records(recs, model_predictions(model, FE, recs, attr_names), attr_names, cat is not None)
        m[g + "_baseline"] = X.score_records(recs, X.baseline_predictions(recs, attr_gaz), attr_names, cat is not None)
        print("   %s %s" % (g, m[g]), flush=True)
        print("   %s baseline %s" % (g, m[g + "_baseline"]), flush=True)
    if cat is None:  # the generic model on every record too (what a low-confidence route sees)
        for g, recs in groups:
            m[g + "_all_records"] = X.score_records(recs, model_predictions(model, FE, recs, []), [], False)
    return m


# ------------------------------------------------------------------ main

def build(name, model, FE, cat, attr_names, attr_gaz, metrics, R, n_items, hp):
    out_dir = common.artifact_dir(name)
    exp = X.ExportTagger(model).eval()
    tables_sha = common.write_unicode_tables(out_dir)
    brands_sha = X.write_brands(out_dir, FE.brands)
    attr_sha = X.write_attribute_gazetteer(out_dir, attr_gaz) if attr_gaz else None
    X.export_tagger(exp, out_dir)
    X.write_tagger_testvectors(exp, out_dir, R, set(FE.brands), attr_gaz, CORE, TG.bio_labels(attr_names))
    manifest = X.tagger_manifest(name, cat, CORE, TG.bio_labels(attr_names), attr_names, metrics,
                                 tables_sha, brands_sha, attr_sha, n_items, hp,
                                 X.PAVE_CATEGORIES)
    common.write_manifest(out_dir, manifest)


def main(only=None):
    torch.set_num_threads(1)
    R = D.load()
    tr, va, te = D.split(R)
    copies = D.recased_copies(tr)
    FE = Features(R, copies)
    # 1. generic: core head on every training record and its recased copy
    print("extractor-generic: %d training records, %d recased copies" % (len(tr), len(copies)), flush=True)
    FE.set_attributes(None)
    items = make_items(FE, tr + copies, [], None)
    generic = train(items, 1, **GENERIC)
    if only in (None, "generic"):
        metrics = metrics_for(X.ExportTagger(generic).eval(), FE, va, te, None, [], None)
        build("extractor-generic", generic, FE, None, [], None, metrics, R, len(items), dict(GENERIC, recased_copies=len(copies)))
    # 2. joint attribute model over the four wdc-pave categories (shared attributes learn together)
    union = sorted({a for c in X.PAVE_CATEGORIES for a in attr_names_for(tr, c)})
    UL = TG.bio_labels(union)
    print("joint attribute model: %d attributes" % len(union), flush=True)
    FE.set_attributes(union)
    items = make_items(FE, [r for r in tr if r["coarse_category"] in X.PAVE_CATEGORIES], union, X.PAVE_CATEGORIES)
    joint = train(items, len(UL), init=generic, **JOINT)
    # 3. per category: the joint model restricted to the category's attributes, trained further
    for cat in X.PAVE_CATEGORIES:
        if only not in (None, cat):
            continue
        name = "extractor-" + cat
        print(name, flush=True)
        attr_names = attr_names_for(tr, cat)
        AL = TG.bio_labels(attr_names)
        rows = [UL.index(l) for l in AL]
        attr_gaz = FE.set_attributes(attr_names)
        items = make_items(FE, [r for r in tr if r["coarse_category"] == cat], attr_names, cat)
        model = train(items, len(AL), init=joint, attr_rows=rows, **CATEGORY)
        metrics = metrics_for(X.ExportTagger(model).eval(), FE, va, te, cat, attr_names, attr_gaz)
        build(name, model, FE, cat, attr_names, attr_gaz, metrics, R, len(items),
              {"joint": JOINT, "category": CATEGORY})
        FE.set_attributes(None)


def brand_exact(records, predictions):
    """Brand exact over the records whose brand label is in the text (alphanumerics, case ignored), and how many."""
    n = hits = 0
    for r, p in zip(records, predictions):
        keys = [k for k in (F.alnum_key(v) for v in D.core_values(r).get("BRAND", [])) if k]
        if keys and any(k in F.alnum_key(r["text"]) for k in keys):
            n += 1
            hits += F.alnum_key(p.get("BRAND") or "") in keys
    return round(hits / max(n, 1), 4), n


def across_sources(source, copies=True):
    """The generic extractor's recipe trained without one source (its folds 8+9 scored; nothing written): brand exact there,
    beside the same model on the rest's folds 8+9 and the first-word baseline. copies=False: without the recased copies."""
    torch.set_num_threads(1)
    R = D.load()
    rest = [r for r in R if r["source"] != source]
    held = [r for r in R if r["source"] == source and r["fold"] in D.TEST_FOLDS]
    tr = [r for r in rest if r["fold"] in D.TRAIN_FOLDS]
    extra = D.recased_copies(tr) if copies else []
    FE = Features(rest + held, extra)
    FE.set_attributes(None)
    hp = GENERIC if copies else dict(GENERIC, epochs=2 * GENERIC["epochs"])  # the same number of steps
    model = X.ExportTagger(train(make_items(FE, tr + extra, [], None), 1, **hp)).eval()
    rest89 = [r for r in rest if r["fold"] in D.TEST_FOLDS]
    print("without %s (recased copies: %d): brand exact on its folds 8+9 %s, first word %s; on the rest's folds 8+9 %s"
          % (source, len(extra), brand_exact(held, model_predictions(model, FE, held, [])),
             brand_exact(held, [{"BRAND": baselines.first_token_brand(r["text"])} for r in held]),
             brand_exact(rest89, model_predictions(model, FE, rest89, []))), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "across-sources":  # train_extractors.py across-sources wdc-pave [--no-copies]
        across_sources(sys.argv[2], "--no-copies" not in sys.argv)
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else None)
