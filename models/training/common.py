"""Shared helpers: artifact paths, metrics, ONNX export + parity check, test vectors, manifests."""
import collections
import hashlib
import json
import os

import numpy as np
import onnx
import torch

import data as D
import featurizer as F
import onnx_np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # models/
ARTIFACTS = os.path.join(ROOT, "artifacts")
VERSION = "1.0.0"
OPSET = 13
CREATED = "data:sha256:"  # completed with the data file hash (deterministic, no wall clock)


def artifact_dir(name):
    d = os.path.join(ARTIFACTS, name)
    os.makedirs(d, exist_ok=True)
    return d


_DATA_SHA = None


def data_sha():
    global _DATA_SHA
    if _DATA_SHA is None:
        _DATA_SHA = D.sha256_file(D.DEV)
    return _DATA_SHA


def training_data(extra=None):
    d = {
        "file": "dev.jsonl",
        "sha256": data_sha(),
        "train_folds": list(D.TRAIN_FOLDS),
        "validation_folds": list(D.VAL_FOLDS),
        "evaluation_folds": list(D.TEST_FOLDS),
        "note": "folds 0-6 fit the weights; fold 7 chose hyper-parameters, early stopping, "
                "thresholds and calibration; folds 8-9 were only scored.",
    }
    if extra:
        d.update(extra)
    return d


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1, sort_keys=False)
        f.write("\n")


def write_manifest(out_dir, manifest):
    with open(os.path.join(out_dir, "model.onnx"), "rb") as f:
        manifest["sha256"] = sha256_bytes(f.read())
    write_json(os.path.join(out_dir, "manifest.json"), manifest)


def r5(x):
    """Round floats to 1e-5 for test vectors (nested lists)."""
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, list):
        return [r5(v) for v in x]
    return round(float(x), 5)


# ------------------------------------------------------------------ metrics

def eval_categories(test_records, min_count=30):
    c = collections.Counter(r["coarse_category"] for r in test_records if r["coarse_category"])
    return sorted(k for k, v in c.items() if v >= min_count)


def classification_metrics(P, y, cats, eval_cats, pred=None):
    if pred is None:
        pred = P.argmax(1)
    out = {"n": int(len(y)), "accuracy": round(float((pred == y).mean()), 4)}
    f1s = {}
    for c in eval_cats:
        k = cats.index(c)
        tp = int(((pred == k) & (y == k)).sum())
        fp = int(((pred == k) & (y != k)).sum())
        fn = int(((pred != k) & (y == k)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1s[c] = round(2 * p * r / (p + r), 4) if p + r else 0.0
    out["macro_f1"] = round(float(np.mean(list(f1s.values()))), 4)
    out["f1_per_category"] = f1s
    if P is not None:
        # top-3 accuracy
        top3 = np.argsort(-P, 1)[:, :3]
        out["top3_accuracy"] = round(float((top3 == y[:, None]).any(1).mean()), 4)
    return out


# ------------------------------------------------------------------ classifier helpers

def quantize_rows(weight):
    """The shipped form of an embedding table: int8 rows with one float32 scale per row (row 0, padding, all zeros)."""
    W = weight.detach().clone()
    scale = W.abs().max(1).values / 127.0
    scale[scale == 0] = 1.0
    q = torch.round(W / scale[:, None]).clamp(-127, 127).to(torch.int8)
    q[0] = 0
    return q, scale.float()


def pad_batch(rows, dtype=np.int64):
    L = max(1, max((len(r) for r in rows), default=1))
    out = np.zeros((len(rows), L), dtype=dtype)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def classifier_probs(model, id_counts, bs=256):
    out = []
    with torch.no_grad():
        for k in range(0, len(id_counts), bs):
            chunk = id_counts[k:k + bs]
            ids = torch.tensor(pad_batch([c[0] for c in chunk]))
            cnt = torch.tensor(pad_batch([c[1] for c in chunk], np.float32))
            out.append(model(ids, cnt).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def _export(model, args, path, input_names, output_names, dynamic_axes):
    torch.onnx.export(model, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    # deterministic producer metadata
    m.producer_name = "inference-models"
    m.producer_version = VERSION
    m.doc_string = ""
    onnx.save(m, path)
    return m


def parity(path, feeds, torch_outputs, tol=1e-4):
    """Run the exported graph with the NumPy interpreter and compare to torch."""
    outs = onnx_np.run(path, feeds)
    worst = 0.0
    for a, b in zip(outs, torch_outputs):
        assert a.shape == b.shape, (a.shape, b.shape)
        worst = max(worst, float(np.abs(a.astype(np.float64) - b).max()) if a.size else 0.0)
    assert worst < tol, "ONNX/torch mismatch %g" % worst
    return worst


def export_classifier(model, out_dir):
    path = os.path.join(out_dir, "model.onnx")
    ids = torch.tensor([[5, 7, 0], [3, 0, 0]], dtype=torch.int64)
    cnt = torch.tensor([[1.0, 2.0, 0.0], [1.0, 0.0, 0.0]])
    _export(model, (ids, cnt), path, ["ids", "counts"], ["probs"],
            {"ids": {0: "batch", 1: "features"}, "counts": {0: "batch", 1: "features"},
             "probs": {0: "batch"}})
    return path


# ------------------------------------------------------------------ test vector texts

EDGE_TEXTS = [
    "",
    " ",
    "   \t\n  ",
    "\n",
    "a",
    "HP 417772-B21 Xeon 5130 2.0GHz DL140 G3",
    "417772-B21",
    "Avery Shipping Tags, 1,000/Box, 4 3/4\" x 2 3/8\", Manila",
    "Strung Shipping Tags, 13pt. Stock, 4 3/4 x 2 3/8, Manila, 1,000/Box Tags by Avery AVE12505",
    "Xerox TONER CARTRIDGE FOR WORKCENTRE - XER106R01409UPC: 095205742466INNER PACKAGING: 1 each",
    "Ноутбук Lenovo IdeaPad 3 15\" 8 ГБ, чёрный",
    "Смартфон Samsung Galaxy A52 128GB",
    "华为 MateBook 14 笔记本电脑 16GB 512GB",
    "ソニー ワイヤレスヘッドホン WH-1000XM4 ブラック",
    "سماعة رأس لاسلكية سوني WH-1000XM4",
    "מקלדת אלחוטית Logitech K380",
    "Κάμερα Canon EOS 250D",
    "हिन्दी में उत्पाद विवरण: सैमसंग टीवी",
    "Apple iPhone 12 😀 64GB 🔋 battery 👍🏽",
    "𝐁𝐨𝐥𝐝 𝐌𝐚𝐭𝐡 text and 𐐀𐐁 Deseret capitals",
    "emoji only 🎧🎧🎧",
    "🎧",
    "Ünïcödé ÀÉÎÕÜ straße İstanbul ǅemal ΣΊΣΥΦΟΣ",
    "tab\tseparated\tvalues\r\nwindows line",
    "zero\u200bwidth\u00a0nbsp\u2003emspace\u3000ideographic",
    "combining e\u0301 and precomposed é",
    "fullwidth ＡＢＣ１２３ ｛ｘ｝",
    "digits ٣٤٥ and ०१२ and ４５６",
    "prices $1,299.99 €5 £10 ¥300 50% off!!!",
    "C++ & C# <tag> [bracket] {brace} (paren) @home #hash ~tilde `tick` |pipe| \\back",
    "iPad iPhone MacBookPro WiFi USB3.0 4K 1080p 32GB/64GB DDR4-3200",
    "KTC-D320/1G 128MX64 PC2700",
    "sony vclhg0758 high performance wide conversion lens x0 .7 for 58mm diameter lens",
    "qwxzv zzqjkx plmoknij unseen tokens xyzzy frobnicate",
    "MPN: ABC-123-XYZ; UPC 012345678905; EAN 4006381333931",
    "...,,,;;;!!!???",
    "\"quoted\" 'single' «guillemets» „low“",
    "null , 417772 b21 hp xeon 5130 2 0ghz dl140 g3 new wholesale price",
]


def long_texts():
    base = "Logitech MX Master 3 wireless mouse 4000 DPI USB-C receiver "
    return [
        base * 40,  # far more than the token limit
        ("word " * 300).strip(),
        "x" * 5000,  # one very long token
        "-" * 600,  # many single-character tokens
        ("🎧 " * 300).strip(),  # non-BMP tokens past the limit
    ]


def testvector_texts(records, n_real=170, seed=7):
    rng = np.random.RandomState(seed)
    idx = rng.choice(len(records), size=n_real, replace=False)
    real = [records[i]["text"] for i in sorted(idx)]
    return EDGE_TEXTS + long_texts() + real


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_classifier_testvectors(model, texts, out_dir):
    import classifier as C
    rows = []
    feeds_all = []
    for t in texts:
        toks, ids, counts = C.featurize(t)
        feeds_all.append((ids, counts))
        rows.append({"text": t, "tokens": [[a[1], a[2]] for a in toks],
                     "features": {"ids": ids or [0], "counts": counts or [0.0]}})
    # outputs: each text alone (batch of 1), as C# would run it; then a batched parity check
    path = os.path.join(out_dir, "model.onnx")
    worst = 0.0
    for row, (ids, counts) in zip(rows, feeds_all):
        fi = np.array([ids or [0]], dtype=np.int64)
        fc = np.array([counts or [0.0]], dtype=np.float32)
        with torch.no_grad():
            p = model(torch.tensor(fi), torch.tensor(fc)).numpy()
        worst = max(worst, parity(path, {"ids": fi, "counts": fc}, [p]))
        row["outputs"] = {"probs": r5(p[0])}
    fi = pad_batch([f[0] for f in feeds_all])
    fc = pad_batch([f[1] for f in feeds_all], np.float32)
    with torch.no_grad():
        p = model(torch.tensor(fi), torch.tensor(fc)).numpy()
    worst = max(worst, parity(path, {"ids": fi, "counts": fc}, [p]))
    for row, pr in zip(rows, p):
        assert np.abs(np.array(row["outputs"]["probs"]) - pr).max() < 1e-4, "padding changes outputs"
    write_jsonl(os.path.join(out_dir, "testvectors.jsonl"), rows)
    print("  testvectors: %d rows, ONNX(numpy)/torch max abs diff %.2g" % (len(rows), worst), flush=True)


# ------------------------------------------------------------------ featurizer spec (shared)

UNICODE_TABLES = "unicode_tables.json"


def write_unicode_tables(out_dir):
    path = os.path.join(out_dir, UNICODE_TABLES)
    write_json(path, F.unicode_tables())
    with open(path, "rb") as f:
        return sha256_bytes(f.read())


def hash_spec(buckets):
    return {
        "function": "FNV-1a 32-bit",
        "offset_basis": 2166136261,
        "prime": 16777619,
        "input": "UTF-8 bytes of the feature string (lone surrogates were already replaced by U+FFFD)",
        "id": "1 + (hash mod buckets)",
        "buckets": buckets,
        "padding_id": 0,
        "examples": {f: 1 + F.fnv1a32(f) % buckets for f in ("w:hp", "c3:<hp", "s:Xxx", "b:hp laserjet")},
    }


def tokenizer_spec(max_tokens, tables_sha):
    return {
        "unicode_tables": {"file": UNICODE_TABLES, "sha256": tables_sha,
                           "python_unicodedata_version": F.unicodedata.unidata_version},
        "preprocessing": "Replace every lone UTF-16 surrogate by U+FFFD. No Unicode normalisation, "
                         "no other change. Iterate the text by code point (C#: Rune).",
        "word_characters": "code points inside one of unicode_tables.word_ranges (inclusive; these are "
                           "the general categories Lu Ll Lt Lm Lo Mn Mc Me Nd)",
        "whitespace": "code points listed in unicode_tables.spaces (Python str.isspace): they end a "
                      "token and are never part of one",
        "tokens": "a token is a maximal run of word characters, or one single code point that is "
                  "neither a word character nor whitespace (punctuation, symbols, emoji, controls, "
                  "unassigned: each its own token)",
        "case_split": "inside a run of word characters a new token starts at code point c when "
                      "lower(c) != c and lower(p) == p for the code point p just before it "
                      "('WhiteUPC' -> 'White','UPC'; '095205742466INNER' -> '095205742466','INNER'; "
                      "'iPad' -> 'i','Pad'); lower() as defined below, on the ORIGINAL code points",
        "lowercase": "each code point maps through unicode_tables.lowercase (pairs [cp, lower_cp]); "
                     "code points not listed map to themselves (= Python c.lower() when that is one "
                     "code point, else c unchanged: 'İ' stays 'İ', 'ẞ' -> 'ß')",
        "token_text": "the lowercased token (feature strings use it); the raw token is the original text",
        "offsets": "[start, end) of each token in UTF-16 code units of the ORIGINAL text (a non-BMP "
                   "character counts 2); these are the `tokens` in testvectors.jsonl",
        "max_tokens": max_tokens,
        "truncation": "only the first max_tokens tokens are used; the rest of the text is ignored",
        "code_point_units": "substrings and lengths in feature templates count code points, not UTF-16 units",
    }


def classifier_manifest(model, cats, metrics, c_best, T, eval_cats, n_tr, n_va, tables_sha):
    import classifier as C
    return {
        "name": "classifier",
        "version": VERSION,
        "task": "classification",
        "created": CREATED + data_sha(),
        "description": "Coarse product category from the product text (title + '\\n' + description). "
                       "Linear one-vs-rest SVM (liblinear, C=%g) over tf-idf weighted hashed word, "
                       "bigram and character n-gram features; probabilities = softmax(scores / T), "
                       "T fitted on fold 7." % c_best,
        "training_data": training_data({"records": "records with a non-null coarse_category",
                                        "train_records": n_tr, "validation_records": n_va}),
        "labels": cats,
        "featurizer": {
            "tokenizer": tokenizer_spec(C.MAX_TOKENS, tables_sha),
            "hash": hash_spec(C.BUCKETS),
            "features": [
                {"template": "w:<token>", "for": "every token, in order"},
                {"template": "b:<token> <next token>", "for": "every token that has a next token (one U+0020 between)"},
                {"template": "c3:<gram>, c4:<gram>, c5:<gram>",
                 "for": "every token whose first code point is a word character: every 3-, 4- and 5-code-point "
                        "substring of '<' + token + '>', left to right, all 3-grams first, then 4-grams, then "
                        "5-grams (a token of n code points gives n, n-1 and n-2 of them; none when shorter)"},
            ],
            "order": "per token i: w, then b, then the c3s, c4s, c5s; tokens in order",
            "aggregation": "hash every feature string to an id; ids = the distinct ids in order of first "
                           "occurrence; counts = how many feature strings gave that id (as float32)",
            "empty_text": "no tokens -> ids = [0], counts = [0.0] (one padding entry); the model then returns "
                          "softmax(bias / T), a defined but uninformative distribution",
            "padding": "a batch is padded to its longest row with id 0 and count 0.0; padding changes nothing",
        },
        "inputs": [
            {"name": "ids", "type": "int64", "shape": ["batch", "features"]},
            {"name": "counts", "type": "float32", "shape": ["batch", "features"]},
        ],
        "outputs": [
            {"name": "probs", "type": "float32", "shape": ["batch", len(cats)],
             "meaning": "calibrated probability per label (order of `labels`); top-1 = argmax, "
                        "confidence = its probability, top-k = the k largest"},
        ],
        "graph": "w = (1 + ln(max(counts,1))) * idf[ids]; w /= max(||w||2, 1e-12); "
                 "scores = sum_j w_j * W[ids_j] + b; probs = softmax(scores * (1/T))",
        "calibration": {"method": "temperature scaling on fold 7", "temperature": T},
        "evaluation_categories": eval_cats,
        "metrics": metrics,
        "baseline": "keyword baseline: count text tokens (crudely stemmed) that occur in the taxonomy's "
                    "'covers' text of each category; most hits wins; none -> computers-accessories",
        "onnx": {"opset": OPSET, "file": "model.onnx"},
    }


# ------------------------------------------------------------------ mpn plausibility

def export_mpn(model, out_dir):
    path = os.path.join(out_dir, "model.onnx")
    ids = torch.tensor([[5, 7, 0], [3, 0, 0]], dtype=torch.int64)
    _export(model, (ids,), path, ["ids"], ["score"],
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
    import mpn as M
    rng = np.random.RandomState(seed)
    rows = list(MPN_EDGE)
    withm = [r for r in records if r.get("mpn")]
    for i in sorted(rng.choice(len(withm), size=n_real // 2, replace=False)):
        r = withm[i]
        rows.append((r.get("brand") or "", r["mpn"], r.get("coarse_category")))
    for i in sorted(rng.choice(len(withm), size=n_real // 2, replace=False)):
        r = withm[i]
        cands = M.candidate_spans(r["text"])
        if cands:
            rows.append((r.get("brand") or "", cands[rng.randint(len(cands))], r.get("coarse_category")))
    path = os.path.join(out_dir, "model.onnx")
    out = []
    all_ids = []
    worst = 0.0
    for b, c, cat in rows:
        ids = M.featurize(b, c, cat) or [0]
        all_ids.append(ids)
        fi = np.array([ids], dtype=np.int64)
        with torch.no_grad():
            s = model(torch.tensor(fi)).numpy()
        worst = max(worst, parity(path, {"ids": fi}, [s]))
        out.append({"brand": b, "candidate": c, "category": cat,
                    "feature_strings": M.feature_strings(b, c, cat),
                    "features": {"ids": ids}, "outputs": {"score": r5(s)}})
    fi = pad_batch(all_ids)
    with torch.no_grad():
        s = model(torch.tensor(fi)).numpy()
    worst = max(worst, parity(path, {"ids": fi}, [s]))
    for row, v in zip(out, s):
        assert abs(row["outputs"]["score"][0] - v) < 1e-4
    write_jsonl(os.path.join(out_dir, "testvectors.jsonl"), out)
    print("  testvectors: %d rows, ONNX(numpy)/torch max abs diff %.2g" % (len(out), worst), flush=True)


def mpn_manifest(metrics, thr, tables_sha, best_epoch):
    import mpn as M
    return {
        "name": "mpn-plausibility",
        "version": VERSION,
        "task": "mpn-plausibility",
        "created": CREATED + data_sha(),
        "description": "Score in [0,1]: is `candidate` a real manufacturer part number of `brand` (in "
                       "`category`)? Mean of hashed feature embeddings -> MLP -> sigmoid.",
        "training_data": training_data({
            "positives": "the `mpn` field of every record with one",
            "negatives": "per record: up to 4 other candidates from the same text (word tokens and "
                         "whitespace-delimited chunks without edge punctuation, half of them containing a "
                         "digit), plus 1 corrupted copy of the MPN (truncated, shuffled, digits<->letters, "
                         "a word glued on, or characters re-drawn)",
            "early_stopping": "epoch with the best fold-7 AUC (epoch %d)" % best_epoch}),
        "labels": ["not-mpn", "mpn"],
        "featurizer": {
            "tokenizer": tokenizer_spec(None, tables_sha),
            "hash": hash_spec(M.BUCKETS),
            "inputs": "brand (string, may be empty), candidate (string), category (coarse category name, "
                      "null/unknown -> empty string)",
            "normalisation": "cand = lowercase(candidate with lone surrogates -> U+FFFD), cut to its first %d "
                             "code points; raw = the same without lowercasing (for the shape); brand = "
                             "lowercase(brand) with leading/trailing whitespace (unicode_tables.spaces) removed"
                             % M.MAX_CAND,
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
            "order": "the order listed; at most %d feature strings (the first ones)" % M.MAX_FEATURES,
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
        "onnx": {"opset": OPSET, "file": "model.onnx"},
    }


# ------------------------------------------------------------------ taggers

BRANDS_FILE = "brands.txt"
ATTR_GAZ_FILE = "attribute_values.tsv"


def _write_text(path, lines):
    data = "".join(l + "\n" for l in lines).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return sha256_bytes(data)


def write_brands(out_dir, entries):
    """One entry per line: normalized tokens joined by one U+0020 (tokens never contain whitespace)."""
    return _write_text(os.path.join(out_dir, BRANDS_FILE), sorted(" ".join(e) for e in entries))


def write_attribute_gazetteer(out_dir, attr_gaz):
    """attribute <TAB> normalized tokens joined by U+0020."""
    lines = sorted("%s\t%s" % (a, " ".join(seq)) for seq, a in attr_gaz.items())
    return _write_text(os.path.join(out_dir, ATTR_GAZ_FILE), lines)


def export_tagger(model, out_dir):
    import tagger as TG
    path = os.path.join(out_dir, "model.onnx")
    ids = torch.zeros((2, 3, len(TG.SLOTS)), dtype=torch.int64)
    ids[0, :, :] = 5
    ids[1, 0, :] = 7
    _export(model, (ids,), path, ["ids"], ["core_probs", "attr_probs"],
            {"ids": {0: "batch", 1: "tokens"}, "core_probs": {0: "batch", 1: "tokens"},
             "attr_probs": {0: "batch", 1: "tokens"}})
    return path


def write_tagger_testvectors(model, out_dir, records, brands, attr_gaz, core_labels, attr_labels,
                             n_real=170, seed=7):
    import tagger as TG
    texts = testvector_texts(records, n_real=n_real, seed=seed)
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
        worst = max(worst, parity(path, {"ids": fi}, [cp, ap]))
        outs = {"core_probs": r5(cp[0]), "attr_probs": r5(ap[0])}
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
    worst = max(worst, parity(path, {"ids": batch}, [cp.numpy(), ap.numpy()]))
    for b, (row, f) in enumerate(zip(rows, feats)):
        n = f.shape[0]
        assert np.abs(np.array(row["outputs"]["core_probs"]) - cp[b, :n].numpy()).max() < 1e-4
    write_jsonl(os.path.join(out_dir, "testvectors.jsonl"), rows)
    print("  testvectors: %d rows, ONNX(numpy)/torch max abs diff %.2g" % (len(rows), worst), flush=True)


def tagger_manifest(name, cat, core_labels, attr_labels, attr_names, metrics, tables_sha, brands_sha,
                    attr_sha, n_items, hp, pave_categories):
    import tagger as TG
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
        "version": VERSION,
        "task": "token-tagging",
        "created": CREATED + data_sha(),
        "description": "Token tagger (hashed token features -> int8 embedding sum -> global mean context -> "
                       "3 residual 1-D convolutions -> softmax heads). Head `core`: BIO tags for BRAND, MPN, "
                       "GTIN. Head `attr`: BIO tags for the category's wdc-pave attributes%s." %
                       (" (none: this extractor has no attributes, attr_probs is a constant 1)" if cat is None else ""),
        "serves_categories": served,
        "training_data": training_data({
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
            "tokenizer": tokenizer_spec(TG.MAX_TOKENS, tables_sha),
            "hash": hash_spec(TG.BUCKETS),
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
        "onnx": {"opset": OPSET, "file": "model.onnx",
                 "embedding": "int8 rows with one float32 scale per row (Gather, Cast, Mul)"},
    }
