"""What several models share: artifact paths, the data hash, JSON and manifest writing, metrics, the int8 embedding
table, ONNX export and parity check, the texts test vectors are made of, and the featurizer spec (unicode tables,
tokenizer, hash) every manifest carries. Each model's own export, test vectors and manifest are in its module
(classifier.py, extractor.py, mpn.py, deep.py)."""
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
EVAL = os.path.join(ROOT, "eval", "folds89.jsonl")  # folds 8+9, cut by make_eval.py
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


# ------------------------------------------------------------------ shared by the exported models

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


def export_onnx(model, args, path, input_names, output_names, dynamic_axes):
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
