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
import collections

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
