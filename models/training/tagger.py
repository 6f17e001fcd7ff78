"""Token tagger shared by all extractors: per-token features, model, decoding (their artifacts and metrics: extractor.py)."""
import collections

import torch
import torch.nn as nn

import data as D
import featurizer as F

MAX_TOKENS = 256
BUCKETS = 2 ** 16
SLOTS = ("w", "s", "p2", "p3", "x2", "x3", "x4", "l", "i", "t", "g", "k", "cs", "cp", "a")
CHUNK_SHAPE_MAX = 10
MAX_BRAND_LEN = 6


# ---------------------------------------------------------------- gazetteer

def brand_entries(records, min_precision=0.1, min_seen=5):
    """Brand gazetteer from training records: token sequences of brand labels, with entries
    that mostly occur as non-brands in training texts removed."""
    cand = collections.Counter()
    for r in records:
        for v in D.core_values(r).get("BRAND", []):
            seq = tuple(t[0] for t in F.tokenize(v, MAX_BRAND_LEN + 1))
            if 0 < len(seq) <= MAX_BRAND_LEN:
                cand[seq] += 1
                words = tuple(t for t in seq if F.is_word(ord(t[0])))
                if words and words != seq:
                    cand[words] += 1
    entries = set(cand)
    # precision filter: how often a match in a training text is (part of) the brand label
    hit = collections.Counter()
    ok = collections.Counter()
    for r in records:
        toks = F.tokenize(r["text"], MAX_TOKENS)
        norm = [t[0] for t in toks]
        keys = {F.alnum_key(v) for v in D.core_values(r).get("BRAND", [])}
        for i, j in gazetteer_match(norm, entries):
            seq = tuple(norm[i:j])
            hit[seq] += 1
            if F.alnum_key("".join(seq)) in keys:
                ok[seq] += 1
    keep = sorted(e for e in entries
                  if hit[e] < min_seen or ok[e] / hit[e] >= min_precision)
    return keep


def gazetteer_match(norm_tokens, entries, max_len=MAX_BRAND_LEN):
    """Greedy leftmost-longest matching. Returns list of [i, j) spans."""
    out = []
    i = 0
    n = len(norm_tokens)
    while i < n:
        best = 0
        for L in range(min(max_len, n - i), 0, -1):
            if tuple(norm_tokens[i:i + L]) in entries:
                best = L
                break
        if best:
            out.append((i, i + best))
            i += best
        else:
            i += 1
    return out


# ---------------------------------------------------------------- features

def gs1_check_ok(t):
    """True when t is 8, 12, 13 or 14 ASCII digits whose last digit is the GS1 check digit
    (weights 3,1,3,1... from the rightmost data digit)."""
    if len(t) not in (8, 12, 13, 14) or not all("0" <= c <= "9" for c in t):
        return False
    digits = [ord(c) - 48 for c in t]
    total = sum(d * (3 if k % 2 == 0 else 1) for k, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def _chunk_pos(chunk_id, i):
    first = i == 0 or chunk_id[i - 1] != chunk_id[i]
    last = i == len(chunk_id) - 1 or chunk_id[i + 1] != chunk_id[i]
    return "S" if first and last else ("B" if first else ("E" if last else "I"))


def attribute_entries(records, attr_names, max_len=MAX_BRAND_LEN):
    """Attribute-value gazetteer from training records: normalized token sequence -> the
    attribute it was annotated as most often (ties: alphabetical)."""
    cnt = collections.defaultdict(collections.Counter)
    for r in records:
        for a, vals in D.category_attr_values(r).items():
            if a not in attr_names:
                continue
            for v in vals:
                seq = tuple(t[0] for t in F.tokenize(v, max_len + 1))
                if 0 < len(seq) <= max_len and F.is_word(ord(seq[0][0])):
                    cnt[seq][a] += 1
    return {seq: sorted(c.items(), key=lambda x: (-x[1], x[0]))[0][0] for seq, c in cnt.items()}


def attribute_slot(norm_tokens, attr_gaz):
    """Per token: hashed 'a:<attribute>:B' / 'a:<attribute>:I' from the attribute gazetteer
    (greedy leftmost-longest), else 0."""
    out = [0] * len(norm_tokens)
    if not attr_gaz:
        return out
    for i, j in gazetteer_match(norm_tokens, attr_gaz):
        a = attr_gaz[tuple(norm_tokens[i:j])]
        out[i] = F.hash_id("a:%s:B" % a, BUCKETS)
        for k in range(i + 1, j):
            out[k] = F.hash_id("a:%s:I" % a, BUCKETS)
    return out


def token_features(text, gaz, attr_gaz=None):
    """Returns (tokens, ids[n_tokens][len(SLOTS)]) for one text. Slot value 0 = absent."""
    toks = F.tokenize(text, MAX_TOKENS)
    norm = [t[0] for t in toks]
    g = [None] * len(toks)
    for i, j in gazetteer_match(norm, gaz):
        g[i] = "B"
        for k in range(i + 1, j):
            g[k] = "I"
    # line index: number of '\n' before the token start (capped at 1)
    nl_pos16 = []
    pos16 = 0
    for c in F._clean(text):
        if c == "\n":
            nl_pos16.append(pos16)
        pos16 += 2 if ord(c) > 0xFFFF else 1
    first_nl = nl_pos16[0] if nl_pos16 else None
    # chunks: maximal runs of tokens that touch (no whitespace between them)
    chunk_id = []
    for k, t in enumerate(toks):
        if k > 0 and toks[k - 1][2] == t[1]:
            chunk_id.append(chunk_id[-1])
        else:
            chunk_id.append(k)
    chunk_shape = {}
    for k, t in enumerate(toks):
        c = chunk_id[k]
        chunk_shape[c] = chunk_shape.get(c, "") + t[3]
    chunk_shape = {c: F.shape(raw)[:CHUNK_SHAPE_MAX] for c, raw in chunk_shape.items()}
    ids = []
    for i, (t, s, e, raw) in enumerate(toks):
        cps = t  # python str = code points
        n = len(cps)
        feats = [
            "w:" + t,
            "s:" + F.shape(raw),
            "p2:" + cps[:2],
            "p3:" + cps[:3],
            "x2:" + cps[-2:],
            "x3:" + cps[-3:],
            "x4:" + cps[-4:],
            "l:%d" % min(n, 16),
            "i:%d" % min(i, 15),
            "t:%d" % (0 if first_nl is None or s < first_nl else 1),
            ("g:" + g[i]) if g[i] else None,
            ("k:%d" % n) if gs1_check_ok(t) else None,
            "cs:" + chunk_shape[chunk_id[i]],
            "cp:" + _chunk_pos(chunk_id, i),
        ]
        ids.append([F.hash_id(f, BUCKETS) if f is not None else 0 for f in feats] + [0])
    if attr_gaz:
        for row, a in zip(ids, attribute_slot(norm, attr_gaz)):
            row[-1] = a
    return toks, ids


# ---------------------------------------------------------------- labels

def bio_labels(names):
    return ["O"] + [p + "-" + n for n in names for p in ("B", "I")]


def core_targets(r, toks):
    cv = D.core_values(r)
    order = [(lab, cv[lab]) for lab in ("GTIN", "MPN", "BRAND") if lab in cv]
    tags, _ = D.project(toks, order)
    return tags


def attr_targets(r, toks, attr_names, core_tags=None):
    av = D.category_attr_values(r)
    # longer annotated values first so that nested attributes keep the most specific span
    order = sorted([(a, v) for a, v in av.items() if a in attr_names],
                   key=lambda x: -max(len(s) for s in x[1]))
    tags, _ = D.project(toks, order)
    return tags


def encode_tags(tags, labels):
    idx = {l: i for i, l in enumerate(labels)}
    return [0 if t is None else idx[t[0] + "-" + t[1]] for t in tags]


# ---------------------------------------------------------------- model

class Tagger(nn.Module):
    def __init__(self, n_core, n_attr, dim=64, layers=3, kernel=3, buckets=BUCKETS):
        super().__init__()
        self.emb = nn.Embedding(buckets + 1, dim, padding_idx=0)
        nn.init.normal_(self.emb.weight, 0, 0.1)
        with torch.no_grad():
            self.emb.weight[0].zero_()
        self.convs = nn.ModuleList(
            [nn.Conv1d(dim, dim, kernel, padding=(kernel // 2) * (2 ** k if k < 2 else 1),
                       dilation=(2 ** k if k < 2 else 1)) for k in range(layers)])
        self.glob = nn.Linear(dim, dim)
        self.core = nn.Linear(dim, n_core)
        self.attr = nn.Linear(dim, n_attr) if n_attr > 1 else None
        self.drop = nn.Dropout(0.1)

    def hidden(self, ids):
        # ids: [B, T, S] int64
        mask = (ids[:, :, 1] != 0).float().unsqueeze(1)  # [B,1,T]; slot 1 (shape) is never 0 for a real token
        x = self.emb(ids).sum(2)  # [B,T,D]
        h = x.transpose(1, 2) * mask  # [B,D,T]
        cnt = mask.sum(2, keepdim=True).clamp(min=1.0)
        g = (h.sum(2, keepdim=True) / cnt).squeeze(2)  # [B,D]
        h = h + self.glob(g).unsqueeze(2)
        h = h * mask
        for conv in self.convs:
            h = h + torch.relu(conv(self.drop(h)))
            h = h * mask
        return h.transpose(1, 2)  # [B,T,D]

    def forward(self, ids):
        h = self.hidden(ids)
        core = torch.softmax(self.core(h), -1)
        if self.attr is None:
            attr = torch.ones(h.shape[0], h.shape[1], 1)
            attr = attr * (h[:, :, :1] * 0 + 1)
        else:
            attr = torch.softmax(self.attr(h), -1)
        return core, attr

    def logits(self, ids):
        h = self.hidden(ids)
        return self.core(h), (self.attr(h) if self.attr is not None else None)


# ---------------------------------------------------------------- decoding

def decode(probs, labels, n_tokens, thresholds=None, fallback=()):
    """probs: [T, K] numpy for one text; labels: BIO label list with 'O' first.
    Returns {label: (i, j, score)}: the best span per label.

    1. tag[t] = argmax_k probs[t, k] (first index on ties).
    2. A span of X starts at a token tagged B-X, or at a token tagged I-X whose previous
       token is not tagged B-X/I-X; it extends over the following tokens tagged I-X.
    3. score = mean over the span's tokens of probs[t, tag[t]]; per label keep the
       highest score (first on ties); drop it when score < thresholds[X] (default 0).
    4. Fallback, only for labels in `fallback` that got no span in 1-3: start at
       i = argmax_t probs[t, B-X]; extend over following tokens t while
       probs[t, I-X] > probs[t, B-X] and probs[t, I-X] > 1 - probs[t, B-X] - probs[t, I-X];
       score = mean of probs[i, B-X] and probs[t, I-X] of the extension; keep it
       when score >= fallback[X].
    """
    thresholds = thresholds or {}
    p = probs[:n_tokens]
    if n_tokens == 0:
        return {}
    tag = p.argmax(1)
    best = {}
    t = 0
    while t < n_tokens:
        lab = labels[tag[t]]
        if lab == "O":
            t += 1
            continue
        name = lab[2:]
        i = t
        t += 1
        while t < n_tokens and labels[tag[t]] == "I-" + name:
            t += 1
        score = sum(float(p[k, tag[k]]) for k in range(i, t)) / (t - i)  # float64, left to right
        if score < thresholds.get(name, 0.0):
            continue
        if name not in best or score > best[name][2]:
            best[name] = (i, t, score)
    if fallback:
        idx = {l: k for k, l in enumerate(labels)}
        for name, minscore in dict(fallback).items():
            if name in best or ("B-" + name) not in idx:
                continue
            bk, ik = idx["B-" + name], idx["I-" + name]
            i = int(p[:, bk].argmax())  # first index on ties
            sc = [float(p[i, bk])]
            j = i + 1
            while j < n_tokens:
                pi, pb = p[j, ik], p[j, bk]
                if pi > pb and pi > 1.0 - pb - pi:
                    sc.append(float(pi))
                    j += 1
                else:
                    break
            score = sum(sc) / len(sc)
            if score >= minscore:
                best[name] = (i, j, score)
    return best


JOINERS = ("-", "/", ".", ",", "_", "+", '"', "'", "%", "\u00b0", "\u2033", "\u2032")
KEEP_TRAILING = ('"', "'", "%", "\u00b0", "\u2033", "\u2032")


def snap(toks, i, j):
    """Widen span [i, j) over joined punctuation. Two neighbouring tokens are joined when the
    first ends where the second starts (UTF-16 offsets, no whitespace between) and one of them
    is a JOINERS token (- / . , _ + " ' % ° ″ ′). While the token before the span is joined to
    the span's first token, prepend it; while the token after is joined to the last, append it.
    Then drop non-word tokens at the start, and at the end except KEEP_TRAILING (" ' % ° ″ ′).
    A span left without a word token gives None (no value).
    'kx' in 'kx-tga410m' -> 'kx-tga410m'; '-7/8' in '3-7/8"' -> '3-7/8"';
    'T15232' in 'T15232, 322353' stays 'T15232'; 'Black' in 'Color:Black' stays 'Black'."""
    def word(k):
        return F.is_word(ord(toks[k][0][0]))

    def joined(a, b):
        return toks[a][2] == toks[b][1] and (toks[a][3] in JOINERS or toks[b][3] in JOINERS)
    while i > 0 and joined(i - 1, i):
        i -= 1
    while j < len(toks) and joined(j - 1, j):
        j += 1
    while i < j and not word(i):
        i += 1
    while j > i and not word(j - 1) and toks[j - 1][3] not in KEEP_TRAILING:
        j -= 1
    return (i, j) if any(word(k) for k in range(i, j)) else None


def span_text(text, toks, i, j):
    return F.utf16_slice(text, toks[i][1], toks[j - 1][2])


# ---------------------------------------------------------------- full extraction (the C# contract)

DECODING = {
    "fallback": {"BRAND": 0.0, "MPN": 0.0},
    "snap": ["MPN", "GTIN", "<every attribute>"],
    "thresholds": {},
}


def extract(text, toks, core_probs, attr_probs, core_labels, attr_labels, rules=DECODING):
    """Decode both heads into {label: {"value", "start", "end", "score"}} (offsets UTF-16)."""
    n = len(toks)
    out = {}
    heads = [(core_probs, core_labels, rules.get("fallback", {}))]
    if attr_labels and len(attr_labels) > 1:
        heads.append((attr_probs, attr_labels, {}))
    snap_labels = set(rules.get("snap", []))
    for probs, labels, fb in heads:
        best = decode(probs, labels, n, rules.get("thresholds"), fb)
        is_core = labels is core_labels
        for name, (i, j, score) in best.items():
            if name in snap_labels or (not is_core and "<every attribute>" in snap_labels):
                sp = snap(toks, i, j)
                if sp is None:
                    continue
                i, j = sp
            out[name] = {"value": span_text(text, toks, i, j), "start": toks[i][1],
                         "end": toks[j - 1][2], "score": round(score, 5)}
    return out
