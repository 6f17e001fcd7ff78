"""Evidence for the C# extraction rules (models/Inference.Models/Onnx/ExtractionRules.cs), from folds 0-7 only.

Folds 8+9 are never read here: they only measure the rules (`inference eval --rules ...`).

    /usr/bin/python3 models/training/rules_analysis.py folds07 /tmp/folds07.jsonl    # the records of folds 0-7, to evaluate on
    /usr/bin/python3 models/training/rules_analysis.py gtin                         # digit runs vs GTIN/MPN labels (no model)
    /usr/bin/python3 models/training/rules_analysis.py dimensions                   # letters after annotated dimensions (no model)

With dumps of the extractors' values on those records (`inference eval --records /tmp/folds07.jsonl --rules None --dump none.jsonl`, and the
same with a rule, e.g. `--rules AttributeSlashParts --dump slash.jsonl`):

    /usr/bin/python3 models/training/rules_analysis.py compare none.jsonl slash.jsonl   # values made right / made wrong, by label group and fold
    /usr/bin/python3 models/training/rules_analysis.py edges none.jsonl                 # widening every label over the case split
"""
import collections
import csv
import json
import os
import re
import sys

import data as D
import featurizer as F
import tagger as T

CORE = ("BRAND", "MPN", "GTIN")
QUOTES = ('"', "'", "\u2033", "\u2032")


def dev(folds=range(8)):
    return [r for r in D.load() if r["fold"] in folds]


def key(s):
    return F.alnum_key(s)


def gold(record, label):
    """Alphanumeric keys of a record's values for a label (BRAND/MPN/GTIN: the field and the wdc-pave identifier attributes)."""
    if label in CORE:
        return {key(v) for v in D.core_values(record).get(label, [])}
    return {key(v) for v in (record.get("attributes") or {}).get(label, [])}


def cmd_folds07(out):
    with open(D.DEV, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
        for line in f:
            if line.strip() and json.loads(line)["fold"] <= 7:
                o.write(line)


def cmd_gtin():
    """Every maximal run of ASCII digits with a valid GS1 check digit: is it the record's GTIN, its MPN, or neither?"""
    prefixes = {r["prefix"]: r["usage"] for r in csv.DictReader(open(os.path.join(D.DATA_DIR, "gs1", "gs1_prefixes.csv"), encoding="utf-8"))}
    longest = max(map(len, prefixes))
    refused = ("Restricted Circulation", "coupon", "Refund", "ISBN", "ISSN", "Unused", "reserved", "future MO", "demonstration",
               "General Manager", "GTIN-8")

    def trade_item(digits):
        g13 = digits.zfill(14)[1:]
        for n in range(longest, 0, -1):
            if g13[:n] in prefixes:
                return not any(w.lower() in prefixes[g13[:n]].lower() for w in refused)
        return False

    runs = collections.Counter()
    spaced = collections.Counter()
    prefix = collections.Counter()
    for r in dev():
        g, m = gold(r, "GTIN"), gold(r, "MPN")
        for match in re.finditer(r"(?<![0-9])[0-9]{8,14}(?![0-9])", r["text"]):
            d = match.group()
            if len(d) not in (8, 12, 13, 14) or not T.gs1_check_ok(d):
                continue
            what = "gtin" if d in g else "mpn" if d in m else "neither"
            runs[(len(d), r["source"].split("/")[0], what)] += 1
            if len(d) > 8:
                prefix[("prefix accepted" if trade_item(d) else "prefix refused", what)] += 1
        for match in re.finditer(r"(?<![0-9])[0-9](?:[ -]?[0-9]){7,13}(?![0-9])", r["text"]):
            s = match.group()
            d = s.replace(" ", "").replace("-", "")
            if s != d and len(d) in (12, 13, 14) and T.gs1_check_ok(d):
                spaced["gtin" if d in g else "mpn" if d in m else "neither"] += 1
    print("check-digit runs (length, source, label):")
    for k in sorted(runs):
        print("  ", k, runs[k])
    print("12-14 digits, GS1 prefix rules:", dict(prefix))
    print("runs printed with spaces or hyphens:", dict(spaced))


def cmd_dimensions():
    """The letter written right after an annotated Width/Depth/Height/Length: does it name that dimension?"""
    letter_of = {"Width": "w", "Depth": "d", "Height": "h", "Length": "l"}
    c = collections.Counter()
    for r in dev():
        if r["source"] != "wdc-pave":
            continue
        for a, vals in (r.get("attributes") or {}).items():
            if a not in letter_of:
                continue
            for v in vals:
                for m in re.finditer(re.escape(v) + r"(\s?)([A-Za-z])\b", r["text"]):
                    letter = m.group(2).lower()
                    if letter in "wdhl":
                        kind = ("inch mark" if v[-1] in QUOTES else "digit") + (" + space" if m.group(1) else "")
                        c[(kind, "agrees" if letter == letter_of[a] else "differs")] += 1
    for k in sorted(c):
        print("  ", k, c[k])


def load_dump(path):
    return {(d["id"], d["extractor"]): d for d in map(json.loads, open(path, encoding="utf-8"))}


def group(label):
    return label if label in CORE else "attribute"


def cmd_compare(before_path, after_path):
    """Per label group and fold: values a rule made right (gain), made wrong (loss), or changed with no effect on the scores."""
    records = {r["id"]: r for r in dev()}
    before, after = load_dump(before_path), load_dump(after_path)
    c = collections.Counter()
    examples = collections.defaultdict(list)
    for k, b in before.items():
        r = records[k[0]]
        bv = {s["label"]: s["value"] for s in b["spans"]}
        av = {s["label"]: s["value"] for s in after[k]["spans"]}
        for label in set(bv) | set(av):
            if bv.get(label) == av.get(label):
                continue
            if label not in CORE and r["source"] != "wdc-pave":
                continue  # attributes are scored on wdc-pave records only
            g = gold(r, label)
            was = bv.get(label) is not None and key(bv[label]) in g
            now = av.get(label) is not None and key(av[label]) in g
            res = "gain" if now and not was else "loss" if was and not now else "no effect"
            c[(group(label), res, "fold 7" if b["fold"] == 7 else "folds 0-6")] += 1
            examples[(group(label), res)].append((b["fold"], label, bv.get(label), av.get(label)))
    for k in sorted(c):
        print("  ", k, c[k])
    for k, v in sorted(examples.items()):
        print(k)
        for e in v[:10]:
            print("     ", e)


def cmd_edges(dump_path):
    """What widening every label (not only the MPN) over touching word tokens would do; with WITH_LOWERCASE=1 also over pieces with lowercase."""
    any_piece = os.environ.get("WITH_LOWERCASE") == "1"
    records = {r["id"]: r for r in dev()}
    c = collections.Counter()
    for d in load_dump(dump_path).values():
        r = records[d["id"]]
        toks = F.tokenize(r["text"], T.MAX_TOKENS)
        word = [F.is_word(ord(t[3][0])) for t in toks]
        for s in d["spans"]:
            if s["label"] not in CORE and r["source"] != "wdc-pave":
                continue
            g = gold(r, s["label"])
            if not g:
                continue
            inside = [k for k, t in enumerate(toks) if t[1] >= s["start"] and t[2] <= s["stop"]]
            i, j = inside[0], inside[-1] + 1
            ok = lambda k: any_piece or not any(ch.islower() for ch in toks[k][3])
            while j < len(toks) and toks[j][1] == toks[j - 1][2] and word[j] and word[j - 1] and ok(j):
                j += 1
            while i > 0 and toks[i - 1][2] == toks[i][1] and word[i - 1] and word[i] and ok(i - 1):
                i -= 1
            if (i, j) == (inside[0], inside[-1] + 1):
                continue
            was = key(s["value"]) in g
            now = key(r["text"][toks[i][1]:toks[j - 1][2]]) in g
            c[(group(s["label"]), "gain" if now and not was else "loss" if was and not now else "no effect")] += 1
    for k in sorted(c):
        print("  ", k, c[k])


if __name__ == "__main__":
    commands = {"folds07": cmd_folds07, "gtin": cmd_gtin, "dimensions": cmd_dimensions, "compare": cmd_compare, "edges": cmd_edges}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
