"""Data loading, the fixed split, and projection of record labels onto tokens."""
import hashlib
import json
import os
import re

import featurizer as F

# The data sits beside the repository: <repo>/../shared/data.
DATA_DIR = os.environ.get("INFERENCE_DATA_DIR", os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data")))
DEV = os.path.join(DATA_DIR, "dev.jsonl")
TAXONOMY = os.path.join(DATA_DIR, "taxonomy.json")

TRAIN_FOLDS = (0, 1, 2, 3, 4, 5, 6)
VAL_FOLDS = (7,)
TEST_FOLDS = (8, 9)

# wdc-pave attribute names that are the core identifiers
BRAND_ATTRS = ("Brand", "Manufacturer")
MPN_ATTRS = ("Part Number", "Manufacturer Stock Number", "Model Number")
GTIN_ATTRS = ("Retail UPC",)
CORE_OF_ATTR = {a: "BRAND" for a in BRAND_ATTRS}
CORE_OF_ATTR.update({a: "MPN" for a in MPN_ATTRS})
CORE_OF_ATTR.update({a: "GTIN" for a in GTIN_ATTRS})
CORE_LABELS = ("BRAND", "MPN", "GTIN")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load(path=DEV):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def categories():
    with open(TAXONOMY, encoding="utf-8") as f:
        return [c["name"] for c in json.load(f)["categories"]]


def split(records):
    tr = [r for r in records if r["fold"] in TRAIN_FOLDS]
    va = [r for r in records if r["fold"] in VAL_FOLDS]
    te = [r for r in records if r["fold"] in TEST_FOLDS]
    return tr, va, te


def recased(text):
    """The text as a cased listing prints it: words with a digit upper-cased (model numbers), others capitalised.
    The lower-case sources' training records get a recased copy, so brand and MPN are not learned as lower-case only."""
    return re.sub(r"\S+", lambda m: m.group(0).upper() if any(c.isdigit() for c in m.group(0))
                  else m.group(0)[:1].upper() + m.group(0)[1:], text)


def recased_copies(records):
    """A recased copy (id prefixed `recased:`) of every training-fold record whose text is all lower case."""
    return [dict(r, id="recased:" + r["id"], text=recased(r["text"])) for r in records
            if r["fold"] in TRAIN_FOLDS and r["text"] == r["text"].lower() and r["text"] != recased(r["text"])]


def core_values(r):
    """{label: [surface values]} for BRAND/MPN/GTIN of a record."""
    out = {}
    attrs = r.get("attributes") or {}
    for lab, field, names in (("BRAND", "brand", BRAND_ATTRS), ("MPN", "mpn", MPN_ATTRS),
                              ("GTIN", "gtin", GTIN_ATTRS)):
        vals = []
        if r.get(field):
            vals.append(r[field])
        for n in names:
            vals.extend(attrs.get(n, []))
        seen = []
        for v in vals:
            if v and v not in seen:
                seen.append(v)
        if seen:
            out[lab] = seen
    return out


def category_attr_values(r):
    """{attribute name: [surface forms]} for the non-core wdc-pave attributes."""
    attrs = r.get("attributes") or {}
    return {k: v for k, v in attrs.items() if k not in CORE_OF_ATTR and v}


def find_spans(tok_keys, is_word, key, max_len=40):
    """All token spans [i, j) whose alnum keys concatenate to `key`; spans begin and end
    on word tokens."""
    spans = []
    if not key:
        return spans
    n = len(tok_keys)
    for i in range(n):
        if not is_word[i] or not key.startswith(tok_keys[i]) or not tok_keys[i]:
            continue
        acc = ""
        for j in range(i, min(n, i + max_len)):
            acc += tok_keys[j]
            if not key.startswith(acc):
                break
            if acc == key and is_word[j]:
                spans.append((i, j + 1))
                break
    return spans


def project(toks, label_values, occupied=None):
    """Greedy projection. label_values: list of (label, [values]) in priority order.
    Returns tags (list of label or None per token, with 'B'/'I') and which labels matched."""
    keys = [F.alnum_key(t[0]) for t in toks]
    isw = [F.is_word(ord(t[0][0])) for t in toks]
    tags = [None] * len(toks) if occupied is None else list(occupied)
    matched = {}
    for lab, values in label_values:
        cands = []
        for v in values:
            cands.extend(find_spans(keys, isw, F.alnum_key(v)))
        # longest first, then leftmost
        cands = sorted(set(cands), key=lambda s: (-(s[1] - s[0]), s[0]))
        for i, j in cands:
            if any(tags[k] is not None for k in range(i, j)):
                continue
            tags[i] = ("B", lab)
            for k in range(i + 1, j):
                tags[k] = ("I", lab)
            matched[lab] = matched.get(lab, 0) + 1
    return tags, matched
