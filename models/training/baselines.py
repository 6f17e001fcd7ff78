"""Simple baselines the models are compared against (Python only; C# measures its own)."""
import json
import re

import data as D
import featurizer as F

STOP = {"and", "the", "for", "with", "incl", "including", "other", "everything", "else", "known",
        "etc", "their", "its", "generic", "category", "products", "accessories", "supplies"}


def _stem(w):
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


_KW = None


def _keywords():
    global _KW
    if _KW is None:
        with open(D.TAXONOMY, encoding="utf-8") as f:
            tax = json.load(f)
        _KW = {}
        for c in tax["categories"]:
            words = set()
            for t in F.tokenize(c["name"].replace("-", " ") + " " + c["covers"]):
                if F.is_word(ord(t[0][0])) and len(t[0]) >= 3 and not t[0].isdigit() and t[0] not in STOP:
                    words.add(_stem(t[0]))
            _KW[c["name"]] = words
    return _KW


def keyword_category(text, cats, default="computers-accessories"):
    """Keyword baseline: count tokens (crudely stemmed) that appear in the taxonomy's own
    description of each category ('covers'); highest count wins, ties by taxonomy order,
    no hit -> the largest category."""
    kw = _keywords()
    toks = [_stem(t[0]) for t in F.tokenize(text, 256)]
    best, best_n = default, 0
    for c in cats:
        n = sum(1 for t in toks if t in kw[c])
        if n > best_n:
            best, best_n = c, n
    return best


_MPN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/\.]*[A-Za-z0-9]")
_GTIN_RE = re.compile(r"(?<!\d)(\d{14}|\d{13}|\d{12}|\d{8})(?!\d)")


def first_token_brand(text):
    toks = [t for t in F.tokenize(text, 256) if F.is_word(ord(t[0][0]))]
    return toks[0][3] if toks else None


def regex_mpn(text):
    """First chunk of letters/digits/-/./ with at least one digit and one letter, or 5+ digits."""
    for m in _MPN_RE.finditer(text):
        s = m.group(0)
        has_d = any(c.isdigit() for c in s)
        has_a = any(c.isalpha() for c in s)
        if len(s) >= 4 and ((has_d and has_a) or (has_d and sum(c.isdigit() for c in s) >= 5)):
            return s
    return None


def regex_gtin(text):
    m = _GTIN_RE.search(text)
    return m.group(1) if m else None


def gazetteer_attributes(text, attr_gaz, max_tokens=256):
    """Attribute baseline: greedy leftmost-longest matching of the training-fold attribute values
    (the extractor's attribute gazetteer, normalized token sequences); the first match of each
    attribute is its value."""
    import tagger as TG
    toks = F.tokenize(text, max_tokens)
    norm = [t[0] for t in toks]
    out = {}
    for i, j in TG.gazetteer_match(norm, attr_gaz):
        a = attr_gaz[tuple(norm[i:j])]
        if a not in out:
            out[a] = F.utf16_slice(text, toks[i][1], toks[j - 1][2])
    return out
