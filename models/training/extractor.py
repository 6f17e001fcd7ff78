"""The extractors' artifacts (models/artifacts/extractor-*/), built on tagger.py's network: which records each one serves,
the shipped int8 form, its ONNX export, test vectors, gazetteer files and manifest, and the extraction metrics with their
baselines (train_extractors.py measures the trained model with them, evaluate.py the shipped file)."""
import collections
import os

import numpy as np
import torch
import torch.nn as nn

import baselines
import common
import data as D
import featurizer as F
import tagger as TG

PAVE_CATEGORIES = ("computers-accessories", "office-products", "home-garden", "jewelry-watches")


def served(records, cat):
    if cat is None:
        return [r for r in records if r["coarse_category"] not in PAVE_CATEGORIES]
    return [r for r in records if r["coarse_category"] == cat]


# ------------------------------------------------------------------ metrics

def score_records(records, predictions, attr_names, attributes=True):
    """predictions: list of {label: value or None} per record (core labels and attributes).
    Returns the metrics dict."""
    st = collections.Counter()
    for r, pred in zip(records, predictions):
        tk = F.alnum_key(r["text"])
        cv = D.core_values(r)
        pk = {k: (F.alnum_key(v) if v else None) for k, v in pred.items()}
        for lab in D.CORE_LABELS:
            keys = [F.alnum_key(v) for v in cv.get(lab, [])]
            keys = [k for k in keys if k and k in tk]
            if keys:
                st[lab + "_n"] += 1
                st[lab + "_ok"] += pk.get(lab) in keys
        if attributes and r["source"] == "wdc-pave":
            attrs = r.get("attributes") or {}
            st["pave_records"] += 1
            for a, vals in attrs.items():
                keys = {F.alnum_key(v) for v in vals}
                core = D.CORE_OF_ATTR.get(a)
                p = pk.get(core) if core else pk.get(a)
                st["A_rec"] += 1
                st["A_hit"] += p in keys
                if not core:
                    st["CA_rec"] += 1
                    st["CA_hit"] += p in keys
            for k, v in pk.items():
                if v is None:
                    continue
                if k in D.CORE_LABELS:
                    names = [a for a in attrs if D.CORE_OF_ATTR.get(a) == k]
                    ok = any(v in {F.alnum_key(x) for x in attrs[a]} for a in names)
                    st["A_pred"] += 1
                    st["A_pok"] += ok
                elif k in attr_names:
                    ok = v in {F.alnum_key(x) for x in attrs.get(k, [])}
                    st["A_pred"] += 1
                    st["A_pok"] += ok
                    st["CA_pred"] += 1
                    st["CA_pok"] += ok
    res = {"records": len(records)}
    names = {"BRAND": "brand_exact", "MPN": "mpn_exact", "GTIN": "gtin_found"}
    for lab in D.CORE_LABELS:
        res[names[lab]] = round(st[lab + "_ok"] / st[lab + "_n"], 4) if st[lab + "_n"] else None
        res[names[lab] + "_n"] = st[lab + "_n"]
    for pre, nm in (("A", "attributes_all"), ("CA", "attributes_category")):
        if st[pre + "_rec"]:
            rec = st[pre + "_hit"] / st[pre + "_rec"]
            prec = st[pre + "_pok"] / st[pre + "_pred"] if st[pre + "_pred"] else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            res[nm] = {"f1": round(f1, 4), "precision": round(prec, 4), "recall": round(rec, 4),
                       "annotated": st[pre + "_rec"], "predicted": st[pre + "_pred"],
                       "pave_records": st["pave_records"]}
    return res


def baseline_predictions(records, attr_gaz):
    out = []
    for r in records:
        p = {"BRAND": baselines.first_token_brand(r["text"]), "MPN": baselines.regex_mpn(r["text"]),
             "GTIN": baselines.regex_gtin(r["text"])}
        if attr_gaz:
            p.update(baselines.gazetteer_attributes(r["text"], attr_gaz))
        out.append(p)
    return out


# ------------------------------------------------------------------ the shipped model and its export

class ExportTagger(nn.Module):
    """The shipped model: int8 embedding rows with one float scale per row, then the same network.
    ids [batch, tokens, slots] int64 -> core_probs [batch, tokens, Kc], attr_probs [batch, tokens, Ka]."""

    def __init__(self, m):
        super().__init__()
        q, scale = common.quantize_rows(m.emb.weight)
        self.register_buffer("q", q)
        self.register_buffer("scale", scale)
        self.convs = m.convs
        self.glob = m.glob
        self.core = m.core
        self.attr = m.attr

    def forward(self, ids):
        mask = (ids[:, :, 1] != 0).float().unsqueeze(2)  # [B,T,1]
        x = (self.q[ids].float() * self.scale[ids].unsqueeze(3)).sum(2)  # [B,T,D]
        x = x * mask
        cnt = mask.sum(1).clamp(min=1.0)  # [B,1]
        g = x.sum(1) / cnt  # [B,D]
        h = x + self.glob(g).unsqueeze(1)
        h = h * mask
        m1 = mask.transpose(1, 2)  # [B,1,T]
        h = h.transpose(1, 2)  # [B,D,T]
        for conv in self.convs:
            h = h + torch.relu(conv(h))
            h = h * m1
        h = h.transpose(1, 2)
        core = torch.softmax(self.core(h), -1)
        if self.attr is None:
            attr = mask * 0.0 + 1.0  # [B,T,1]: the single label "O"
        else:
            attr = torch.softmax(self.attr(h), -1)
        return core, attr


# ------------------------------------------------------------------ gazetteer files, test vectors, manifest

BRANDS_FILE = "brands.txt"
ATTR_GAZ_FILE = "attribute_values.tsv"


def _write_text(path, lines):
    data = "".join(l + "\n" for l in lines).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return common.sha256_bytes(data)


def write_brands(out_dir, entries):
    """One entry per line: normalized tokens joined by one U+0020 (tokens never contain whitespace)."""
    return _write_text(os.path.join(out_dir, BRANDS_FILE), sorted(" ".join(e) for e in entries))


def write_attribute_gazetteer(out_dir, attr_gaz):
    """attribute <TAB> normalized tokens joined by U+0020."""
    lines = sorted("%s\t%s" % (a, " ".join(seq)) for seq, a in attr_gaz.items())
    return _write_text(os.path.join(out_dir, ATTR_GAZ_FILE), lines)


def read_brands(path):
    with open(path, encoding="utf-8") as f:
        return {tuple(line.rstrip("\n").split(" ")) for line in f if line.strip()}


def read_attr_gaz(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                a, seq = line.rstrip("\n").split("\t")
                out[tuple(seq.split(" "))] = a
    return out


def export_tagger(model, out_dir):
    path = os.path.join(out_dir, "model.onnx")
    ids = torch.zeros((2, 3, len(TG.SLOTS)), dtype=torch.int64)
    ids[0, :, :] = 5
    ids[1, 0, :] = 7
    common.export_onnx(model, (ids,), path, ["ids"], ["core_probs", "attr_probs"],
            {"ids": {0: "batch", 1: "tokens"}, "core_probs": {0: "batch", 1: "tokens"},
             "attr_probs": {0: "batch", 1: "tokens"}})
    return path


def write_tagger_testvectors(model, out_dir, records, brands, attr_gaz, core_labels, attr_labels,
                             n_real=170, seed=7):
    texts = common.testvector_texts(records, n_real=n_real, seed=seed)
    # make sure some texts of the served kind (wdc-pave with attributes) are in
    path = os.path.join(out_dir, "model.onnx")
    rows, feats = [], []
    worst = 0.0
    for t in texts:
        toks, ids = TG.token_features(t, brands, attr_gaz)
        fi = np.array([ids if ids else [[0] * len(TG.SLOTS)]], dtype=np.int64)
        with torch.no_grad():
            cp, ap = model(torch.tensor(fi))
        cp, ap = cp.numpy(), ap.numpy()
        worst = max(worst, common.parity(path, {"ids": fi}, [cp, ap]))
        outs = {"core_probs": common.r5(cp[0]), "attr_probs": common.r5(ap[0])}
        # `decoded` is the decoding of the rounded outputs exactly as written in this file (float64),
        # so a C# decoder can be tested on them without depending on ONNX Runtime's last bits
        ex = TG.extract(t, toks, np.array(outs["core_probs"], dtype=np.float64),
                        np.array(outs["attr_probs"], dtype=np.float64), core_labels, attr_labels)
        feats.append(fi[0])
        rows.append({"text": t, "tokens": [[a[1], a[2]] for a in toks], "features": {"ids": fi[0].tolist()},
                     "outputs": outs, "decoded": ex})
    # batched run must give the same outputs for the real positions
    T = max(f.shape[0] for f in feats)
    batch = np.zeros((len(feats), T, len(TG.SLOTS)), dtype=np.int64)
    for b, f in enumerate(feats):
        batch[b, :f.shape[0]] = f
    with torch.no_grad():
        cp, ap = model(torch.tensor(batch))
    worst = max(worst, common.parity(path, {"ids": batch}, [cp.numpy(), ap.numpy()]))
    for b, (row, f) in enumerate(zip(rows, feats)):
        n = f.shape[0]
        assert np.abs(np.array(row["outputs"]["core_probs"]) - cp[b, :n].numpy()).max() < 1e-4
    common.write_jsonl(os.path.join(out_dir, "testvectors.jsonl"), rows)
    print("  testvectors: %d rows, ONNX(numpy)/torch max abs diff %.2g" % (len(rows), worst), flush=True)


def tagger_manifest(name, cat, core_labels, attr_labels, attr_names, metrics, tables_sha, brands_sha,
                    attr_sha, n_items, hp, pave_categories):
    slot_doc = {
        "w": "w:<token>",
        "s": "s:<shape(raw token)>",
        "p2": "p2:<first 2 code points of token>",
        "p3": "p3:<first 3 code points of token>",
        "x2": "x2:<last 2 code points of token>",
        "x3": "x3:<last 3 code points of token>",
        "x4": "x4:<last 4 code points of token>",
        "l": "l:<min(code points of token, 16)>",
        "i": "i:<min(token index, 15)>",
        "t": "t:0 when the token starts before the first '\\n' of the text (or there is none), else t:1",
        "g": "g:B / g:I when the token starts / continues a brand-gazetteer match, else absent",
        "k": "k:<n> when the token is n = 8, 12, 13 or 14 ASCII digits with a valid GS1 check digit, else absent",
        "cs": "cs:<first %d code points of shape(chunk text)>; chunk = maximal run of tokens that touch "
              "(end offset of one == start offset of the next); chunk text = the chunk's raw tokens "
              "concatenated" % TG.CHUNK_SHAPE_MAX,
        "cp": "cp:S (token is its chunk alone), cp:B (first of a longer chunk), cp:E (last), cp:I (inside)",
        "a": "a:<attribute>:B / a:<attribute>:I when the token starts / continues an attribute-gazetteer "
             "match, else absent (always absent in extractor-generic)",
    }
    served = ("every category not served by a category extractor (%s), null/unknown and low-confidence "
              "categories" % ", ".join(pave_categories)) if cat is None else [cat]
    return {
        "name": name,
        "version": common.VERSION,
        "task": "token-tagging",
        "created": common.CREATED + common.data_sha(),
        "description": "Token tagger (hashed token features -> int8 embedding sum -> global mean context -> "
                       "3 residual 1-D convolutions -> softmax heads). Head `core`: BIO tags for BRAND, MPN, "
                       "GTIN. Head `attr`: BIO tags for the category's wdc-pave attributes%s." %
                       (" (none: this extractor has no attributes, attr_probs is a constant 1)" if cat is None else ""),
        "serves_categories": served,
        "training_data": common.training_data({
            "records": "every training-fold record" if cat is None else
                       "initialised from extractor-generic's weights, then a joint model on the 4 wdc-pave "
                       "categories, then %s records: all its wdc-pave records each epoch plus a fresh sample "
                       "of its other records" % cat,
            "training_examples": n_items,
            "hyper_parameters": hp,
            "labels": "record brand/mpn/gtin fields and wdc-pave attributes projected onto the tokens: a span "
                      "of tokens whose alphanumeric characters, lowercased, equal the value's (spans start and "
                      "end on word tokens); every non-overlapping occurrence, priority GTIN > MPN > BRAND; "
                      "attributes longest value first",
            "gazetteer_features_in_training": "jackknifed: a training record of fold k sees gazetteers built "
                                              "without fold k"}),
        "labels": {
            "core": core_labels,
            "attr": attr_labels,
            "attributes": attr_names,
            "attribute_names_are": "wdc-pave attribute names; BRAND = Brand/Manufacturer, MPN = Part Number/"
                                   "Manufacturer Stock Number/Model Number, GTIN = Retail UPC",
        },
        "featurizer": {
            "tokenizer": common.tokenizer_spec(TG.MAX_TOKENS, tables_sha),
            "hash": common.hash_spec(TG.BUCKETS),
            "slots": list(TG.SLOTS),
            "slot_templates": [{"slot": s, "feature": slot_doc[s]} for s in TG.SLOTS],
            "shape": "per code point of the raw token: 'd' for ASCII 0-9, 'X' when it has a lowercase mapping "
                     "(unicode_tables.lowercase), 'x' for any other word character, else the code point itself; "
                     "then runs of the same symbol longer than 2 are cut to 2 ('KTC9000us' -> 'XXddxx')",
            "ids": "ids[b][t][s] = 1 + fnv1a32(utf8(feature of slot s for token t)) % buckets; 0 when the slot "
                   "has no feature for that token",
            "gazetteers": {
                "brands": {"file": BRANDS_FILE, "sha256": brands_sha,
                           "format": "one entry per line: lowercased tokens joined by one space"},
                "attributes": ({"file": ATTR_GAZ_FILE, "sha256": attr_sha,
                                "format": "attribute<TAB>lowercased tokens joined by one space"}
                               if attr_sha else None),
                "matching": "over the token_text sequence: from i = 0, find the longest L (<= %d) such that "
                            "tokens i..i+L-1 joined by ' ' is an entry; if found mark i as B and the rest as I "
                            "and continue at i+L, else continue at i+1" % TG.MAX_BRAND_LEN,
            },
            "padding": "a batch is padded to its longest text with all-zero token rows; a row whose slot 's' "
                       "(index 1) is 0 is padding and does not influence other positions",
            "empty_text": "no tokens: feed one all-zero row (tokens = 1); ignore its outputs; nothing is extracted",
        },
        "inputs": [{"name": "ids", "type": "int64", "shape": ["batch", "tokens", len(TG.SLOTS)]}],
        "outputs": [
            {"name": "core_probs", "type": "float32", "shape": ["batch", "tokens", len(core_labels)],
             "labels": "labels.core"},
            {"name": "attr_probs", "type": "float32", "shape": ["batch", "tokens", len(attr_labels)],
             "labels": "labels.attr"},
        ],
        "decoding": {
            "per_head": "each head separately, over the real tokens only (not padding)",
            "steps": [
                "tag[t] = argmax over the head's labels of probs[t] (lowest index on ties)",
                "spans: scan t = 0..n-1; a token tagged B-X or I-X that is not already inside a span starts "
                "a span of X, which extends over the directly following tokens tagged I-X (so a B-X always "
                "starts a new span, and an I-X after O or after another label starts one too)",
                "span score = mean over its tokens of probs[t][tag[t]]; per label keep the span with the "
                "highest score (the first on ties)",
                "fallback (labels in `fallback` that got no span): i = argmax_t probs[t][B-X] (first on ties); "
                "extend over t = i+1.. while probs[t][I-X] > probs[t][B-X] and probs[t][I-X] > 1 - probs[t][B-X] "
                "- probs[t][I-X]; score = mean of probs[i][B-X] and those probs[t][I-X]; keep when score >= "
                "the fallback value",
                "snap (labels in `snap`): widen the span over joined punctuation and trim its edges, exactly "
                "as described under `snap_rule`; if no word token is left the label gets no value",
                "value = the ORIGINAL text from the first token's start to the last token's end (UTF-16 offsets)",
            ],
            "fallback": TG.DECODING["fallback"],
            "snap": TG.DECODING["snap"],
            "snap_rule": {
                "joiners": list(TG.JOINERS),
                "keep_trailing": list(TG.KEEP_TRAILING),
                "rule": "tokens a, a+1 are joined when end(a) == start(a+1) and the raw text of a or of a+1 is "
                        "one of `joiners`. While the token before the span is joined to the span's first token, "
                        "prepend it; while the token after is joined to its last token, append it. Then drop "
                        "non-word tokens from the start, and from the end unless the token is in `keep_trailing`.",
            },
            "thresholds": TG.DECODING["thresholds"],
            "result": "brand = BRAND value, mpn = MPN value, gtin = GTIN value (validate it downstream), "
                      "attributes = {attribute name: value} from the attr head",
            "testvectors": "each line's `decoded` is this procedure applied to its `outputs` exactly as written "
                           "(the rounded values, as float64; sums left to right; ties to the first index)",
        },
        "metrics": metrics,
        "metric_definitions": {
            "brand_exact / mpn_exact": "records (of the served categories) whose label occurs in the text "
                                       "(alphanumerics, case ignored); correct when the extracted value has the "
                                       "same alphanumerics as one of the record's values",
            "gtin_found": "same, for GTIN",
            "attributes_all": "wdc-pave records: every annotated attribute incl. Brand/Manufacturer/Part Number/"
                              "Model Number/Manufacturer Stock Number/Retail UPC (scored through BRAND/MPN/GTIN); "
                              "recall over annotated attributes, precision over predicted pairs",
            "attributes_category": "the same over the category attributes only",
            "baseline": "first word token = brand; first chunk with a digit and a letter (or 5+ digits) = MPN; "
                        "first 8/12/13/14-digit run = GTIN; attribute = first training-fold surface form of it "
                        "found in the text (longest first)",
        },
        "onnx": {"opset": common.OPSET, "file": "model.onnx",
                 "embedding": "int8 rows with one float32 scale per row (Gather, Cast, Mul)"},
    }
