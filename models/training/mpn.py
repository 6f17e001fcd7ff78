"""MPN plausibility: is `candidate` a real manufacturer part number for `brand` (and category)?

Features (hashed like the other models, bucket count in the manifest):
  cand = normalize(candidate) (per-code-point lowercase, see featurizer), brand likewise.
  "g<n>:<gram>"   every n-gram, n = 1..4, of "<" + cand + ">" (code points)
  "S:<shape>"     featurizer.shape(candidate) (runs cut to 2)
  "L:<n>"         min(code points of cand, 24)
  "D:<n>"         min(ASCII digits in cand, 16)
  "A:<n>"         min(code points of cand that are word characters but not ASCII digits, 16)
  "P:<n>"         min(code points of cand that are neither word characters nor whitespace, 8)
  "W:<n>"         min(number of featurizer tokens of cand, 8)
  "C:<category>"  the coarse category ("" when unknown)
  "CS:<category>|<shape>"
  when brand is not empty:
    "B:<brand>"
    "BS:<brand>|<shape>"
    "BP:<brand>|<first 2 code points of cand>"
    "BL:<brand>|<min(len,24)>"
    "BIN:1" when word_key(brand) is a substring of word_key(cand), else "BIN:0"
      (word_key = the word characters of the lowercased string, in order)
"""
import os

import numpy as np
import torch
import torch.nn as nn

import common
import featurizer as F

BUCKETS = 2 ** 15
MAX_FEATURES = 128  # cap on feature strings per candidate (candidates are short)
MAX_CAND = 64  # code points of the candidate kept


def feature_strings(brand, candidate, category):
    cand = F.normalize(F._clean(candidate or ""))[:MAX_CAND]
    raw = F._clean(candidate or "")[:MAX_CAND]
    b = F.normalize(F._clean(brand or "")).strip()
    cat = category or ""
    out = []
    w = "<" + cand + ">"
    for n in (1, 2, 3, 4):
        for j in range(len(w) - n + 1):
            out.append("g%d:" % n + w[j:j + n])
    sh = F.shape(raw)
    n_cp = len(cand)
    out.append("S:" + sh)
    out.append("L:%d" % min(n_cp, 24))
    out.append("D:%d" % min(sum(1 for c in cand if "0" <= c <= "9"), 16))
    out.append("A:%d" % min(sum(1 for c in cand if F.is_word(ord(c)) and not ("0" <= c <= "9")), 16))
    out.append("P:%d" % min(sum(1 for c in cand if not F.is_word(ord(c)) and not c.isspace()), 8))
    out.append("W:%d" % min(len(F.tokenize(raw)), 8))
    out.append("C:" + cat)
    out.append("CS:" + cat + "|" + sh)
    if b:
        out.append("B:" + b)
        out.append("BS:" + b + "|" + sh)
        out.append("BP:" + b + "|" + cand[:2])
        out.append("BL:" + b + "|%d" % min(n_cp, 24))
        kb, kc = F.word_key(b), F.word_key(cand)
        out.append("BIN:%d" % (1 if kb and kb in kc else 0))
    return out[:MAX_FEATURES]


def featurize(brand, candidate, category):
    return [F.hash_id(f, BUCKETS) for f in feature_strings(brand, candidate, category)]


class MpnScorer(nn.Module):
    """ids [B, L] int64 (0 = padding) -> score [B] float in [0, 1]."""

    def __init__(self, dim=32, hidden=64, buckets=BUCKETS):
        super().__init__()
        self.emb = nn.Embedding(buckets + 1, dim, padding_idx=0)
        nn.init.normal_(self.emb.weight, 0, 0.1)
        with torch.no_grad():
            self.emb.weight[0].zero_()
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def logit(self, ids):
        mask = (ids != 0).float().unsqueeze(2)
        x = (self.emb(ids) * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.mlp(x).squeeze(1)

    def forward(self, ids):
        return torch.sigmoid(self.logit(ids))


# ---------------------------------------------------------------- examples

def candidate_spans(text):
    """Negative candidates from a text: word tokens, and whitespace-delimited chunks with
    leading/trailing punctuation stripped."""
    toks = F.tokenize(text, 256)
    out = []
    for t in toks:
        if F.is_word(ord(t[0][0])):
            out.append(t[3])
    for chunk in text.split():
        c = chunk.strip(".,;:!?()[]{}\"'*#")
        if c:
            out.append(c)
    seen = set()
    res = []
    for c in out:
        if c not in seen:
            seen.add(c)
            res.append(c)
    return res


def corrupt(mpn, rng):
    s = list(mpn)
    kind = rng.randint(5)
    if kind == 0 and len(s) > 3:  # truncate
        s = s[:max(1, len(s) // 2)]
    elif kind == 1:  # shuffle
        rng.shuffle(s)
    elif kind == 2:  # swap digits <-> letters
        s = [chr(ord("a") + int(c)) if c.isdigit() else (str(ord(c.lower()) % 10) if c.isalpha() else c) for c in s]
    elif kind == 3:  # glue a word
        s = s + list(rng.choice(["black", "pack", "new", "kit", "inch", "gb", "usb"]))
    else:  # random same-length string of the same character classes shuffled across
        pool = "abcdefghijklmnopqrstuvwxyz0123456789"
        s = [pool[rng.randint(len(pool))] if c.isalnum() else c for c in s]
    out = "".join(s)
    return out if F.alnum_key(out) != F.alnum_key(mpn) else out + "x"


def examples(records, seed, n_text_neg=4, n_corrupt=1):
    """(brand, candidate, category, label) tuples, deterministic."""
    rng = np.random.RandomState(seed)
    out = []
    for r in records:
        mpn = r.get("mpn")
        if not mpn:
            continue
        brand = r.get("brand") or ""
        cat = r.get("coarse_category") or ""
        out.append((brand, mpn, cat, 1))
        key = F.alnum_key(mpn)
        cands = [c for c in candidate_spans(r["text"])
                 if F.alnum_key(c) and F.alnum_key(c) != key]
        hard = [c for c in cands if any(ch.isdigit() for ch in c)]
        easy = [c for c in cands if c not in hard]
        pick = []
        if hard:
            pick += [hard[i] for i in rng.permutation(len(hard))[:n_text_neg // 2 + (0 if easy else n_text_neg // 2)]]
        if easy:
            pick += [easy[i] for i in rng.permutation(len(easy))[:n_text_neg - len(pick)]]
        for c in pick:
            out.append((brand, c, cat, 0))
        for _ in range(n_corrupt):
            out.append((brand, corrupt(mpn, rng), cat, 0))
    return out


def auc(scores, labels):
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    # average ranks for ties
    s_sorted = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and s_sorted[j + 1] == s_sorted[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


class ExportMpn(nn.Module):
    """Shipped form: int8 embedding rows with a float32 scale per row."""

    def __init__(self, m):
        super().__init__()
        q, scale = common.quantize_rows(m.emb.weight)
        self.register_buffer("q", q)
        self.register_buffer("scale", scale)
        self.mlp = m.mlp

    def forward(self, ids):
        mask = (ids != 0).float().unsqueeze(2)
        x = self.q[ids].float() * self.scale[ids].unsqueeze(2)
        x = (x * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return torch.sigmoid(self.mlp(x).squeeze(1))


# ------------------------------------------------------------------ scoring (train_mpn.py and evaluate.py)

def heuristic_score(brand, cand, category):
    """Baseline: 0.25 each for: has a digit, has a letter, 4-20 characters, no whitespace."""
    s = cand or ""
    return 0.25 * (any(c.isdigit() for c in s) + any(c.isalpha() for c in s)
                   + (4 <= len(s) <= 20) + (not any(c.isspace() for c in s)))


def pr_at(s, y, thr):
    pred = s >= thr
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# ------------------------------------------------------------------ the artifact: export, test vectors, manifest

def export_mpn(model, out_dir):
    path = os.path.join(out_dir, "model.onnx")
    ids = torch.tensor([[5, 7, 0], [3, 0, 0]], dtype=torch.int64)
    common.export_onnx(model, (ids,), path, ["ids"], ["score"],
            {"ids": {0: "batch", 1: "features"}, "score": {0: "batch"}})
    return path


MPN_EDGE = [
    ("", "", ""),
    ("hp", "", "computers-accessories"),
    ("", "Q6003A", ""),
    ("hp", "Q6003A", "office-products"),
    ("hp", "q6003a", "office-products"),
    ("HP", "417772-B21", "computers-accessories"),
    ("hp enterprise", "417772 b21", "computers-accessories"),
    ("Kingston", "KTC-D320/1G", "computers-accessories"),
    ("Avery", "AVE12505", "office-products"),
    ("Avery", "1,000/Box", "office-products"),
    ("Avery", "4 3/4\"", "office-products"),
    ("Sony", "black", "audio"),
    ("Sony", "WH-1000XM4", "audio"),
    ("Sony", "the", None),
    ("Lenovo", "ноутбук", "computers-accessories"),
    ("华为", "MateBook 14", "computers-accessories"),
    ("سوني", "WH-1000XM4", "audio"),
    ("Apple", "😀", "phones"),
    ("Apple", "MQ092ZM/A", "computers-accessories"),
    ("𐐀𐐁", "𝐁𝐨𝐥𝐝123", "other"),
    ("Canon", "2455B002", "office-products"),
    ("Canon", "2455b002 imageformula dr-2510c compact color scanner with a very long tail of words", "office-products"),
    ("Unknownbrandxyz", "ZZ-9999-QQ", "unknown-category"),
    ("Elkay", "EWMS-14-60X", "home-garden"),
    ("Xerox", "095205742466", "office-products"),
    ("", "x" * 200, ""),
    ("   ", "  ", "  "),
    ("Ünïcödé", "ÀÉÎ-123", "home-garden"),
]


def write_mpn_testvectors(model, records, out_dir, n_real=180, seed=11):
    rng = np.random.RandomState(seed)
    rows = list(MPN_EDGE)
    withm = [r for r in records if r.get("mpn")]
    for i in sorted(rng.choice(len(withm), size=n_real // 2, replace=False)):
        r = withm[i]
        rows.append((r.get("brand") or "", r["mpn"], r.get("coarse_category")))
    for i in sorted(rng.choice(len(withm), size=n_real // 2, replace=False)):
        r = withm[i]
        cands = candidate_spans(r["text"])
        if cands:
            rows.append((r.get("brand") or "", cands[rng.randint(len(cands))], r.get("coarse_category")))
    path = os.path.join(out_dir, "model.onnx")
    out = []
    all_ids = []
    worst = 0.0
    for b, c, cat in rows:
        ids = featurize(b, c, cat) or [0]
        all_ids.append(ids)
        fi = np.array([ids], dtype=np.int64)
        with torch.no_grad():
            s = model(torch.tensor(fi)).numpy()
        worst = max(worst, common.parity(path, {"ids": fi}, [s]))
        out.append({"brand": b, "candidate": c, "category": cat,
                    "feature_strings": feature_strings(b, c, cat),
                    "features": {"ids": ids}, "outputs": {"score": common.r5(s)}})
    fi = common.pad_batch(all_ids)
    with torch.no_grad():
        s = model(torch.tensor(fi)).numpy()
    worst = max(worst, common.parity(path, {"ids": fi}, [s]))
    for row, v in zip(out, s):
        assert abs(row["outputs"]["score"][0] - v) < 1e-4
    common.write_jsonl(os.path.join(out_dir, "testvectors.jsonl"), out)
    print("  testvectors: %d rows, ONNX(numpy)/torch max abs diff %.2g" % (len(out), worst), flush=True)


def mpn_manifest(metrics, thr, tables_sha, best_epoch):
    return {
        "name": "mpn-plausibility",
        "version": common.VERSION,
        "task": "mpn-plausibility",
        "created": common.CREATED + common.data_sha(),
        "description": "Score in [0,1]: is `candidate` a real manufacturer part number of `brand` (in "
                       "`category`)? Mean of hashed feature embeddings -> MLP -> sigmoid.",
        "training_data": common.training_data({
            "positives": "the `mpn` field of every record with one",
            "negatives": "per record: up to 4 other candidates from the same text (word tokens and "
                         "whitespace-delimited chunks without edge punctuation, half of them containing a "
                         "digit), plus 1 corrupted copy of the MPN (truncated, shuffled, digits<->letters, "
                         "a word glued on, or characters re-drawn)",
            "early_stopping": "epoch with the best fold-7 AUC (epoch %d)" % best_epoch}),
        "labels": ["not-mpn", "mpn"],
        "featurizer": {
            "tokenizer": common.tokenizer_spec(None, tables_sha),
            "hash": common.hash_spec(BUCKETS),
            "inputs": "brand (string, may be empty), candidate (string), category (coarse category name, "
                      "null/unknown -> empty string)",
            "normalisation": "cand = lowercase(candidate with lone surrogates -> U+FFFD), cut to its first %d "
                             "code points; raw = the same without lowercasing (for the shape); brand = "
                             "lowercase(brand) with leading/trailing whitespace (unicode_tables.spaces) removed"
                             % MAX_CAND,
            "features": [
                {"template": "g1:<gram> .. g4:<gram>", "for": "every 1-, 2-, 3-, 4-code-point substring of "
                 "'<' + cand + '>' (all 1-grams left to right, then 2-grams, 3-grams, 4-grams)"},
                {"template": "S:<shape>", "for": "shape(raw): per code point 'd' for ASCII 0-9, 'X' when it has a "
                 "lowercase mapping, 'x' for any other word character, else the character itself; runs of one "
                 "class longer than 2 cut to 2"},
                {"template": "L:<n>", "for": "n = min(code points of cand, 24)"},
                {"template": "D:<n>", "for": "n = min(ASCII digits in cand, 16)"},
                {"template": "A:<n>", "for": "n = min(word characters of cand that are not ASCII digits, 16)"},
                {"template": "P:<n>", "for": "n = min(code points of cand that are neither word characters nor "
                 "whitespace, 8)"},
                {"template": "W:<n>", "for": "n = min(number of tokens of raw under the tokenizer, 8)"},
                {"template": "C:<category>", "for": "always"},
                {"template": "CS:<category>|<shape>", "for": "always"},
                {"template": "B:<brand>", "for": "brand not empty"},
                {"template": "BS:<brand>|<shape>", "for": "brand not empty"},
                {"template": "BP:<brand>|<first 2 code points of cand>", "for": "brand not empty"},
                {"template": "BL:<brand>|<min(len(cand),24)>", "for": "brand not empty"},
                {"template": "BIN:1 or BIN:0", "for": "brand not empty: 1 when key(brand) is a substring of "
                 "key(cand) (an empty key(brand) gives BIN:0); key(s) = the word characters (unicode_tables."
                 "word_ranges) of lowercase(s), in order"},
            ],
            "order": "the order listed; at most %d feature strings (the first ones)" % MAX_FEATURES,
            "aggregation": "ids = hash of every feature string, in order, duplicates kept",
            "padding": "rows of a batch are padded with id 0; padding changes nothing; an input giving no "
                       "feature (impossible: g1:< and g1:> always exist) would be fed as [0]",
            "testvectors": "each line also carries `feature_strings`, the strings before hashing",
        },
        "inputs": [{"name": "ids", "type": "int64", "shape": ["batch", "features"]}],
        "outputs": [{"name": "score", "type": "float32", "shape": ["batch"],
                     "meaning": "probability-like plausibility in [0,1]"}],
        "threshold": {"value": thr, "chosen_on": "fold 7, maximising F1 on the fold-7 examples"},
        "metrics": metrics,
        "baseline": "heuristic: 0.25 each for has a digit, has a letter, 4-20 characters, no whitespace; "
                    "positive when all four hold",
        "onnx": {"opset": common.OPSET, "file": "model.onnx"},
    }
