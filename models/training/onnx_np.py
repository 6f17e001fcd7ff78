"""A small NumPy interpreter for the standard ONNX ops our exported graphs use.

Python onnxruntime is not available here and onnx 1.12 has no reference evaluator, so this
is the independent check that an exported model.onnx computes what torch computed, and the
engine evaluate.py uses to score the shipped files. It refuses any op it does not know.
"""
import numpy as np
import onnx
from onnx import numpy_helper

DT = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64, 9: np.bool_,
      10: np.float16, 11: np.float64}


def _attrs(node):
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        if a.type == onnx.AttributeProto.TENSOR:
            v = numpy_helper.to_array(a.t)
        out[a.name] = v
    return out


def _conv(x, w, b, a):
    # x [N,C,T], w [O,C/g,K] (1-D convolution only)
    assert x.ndim == 3, "only Conv1d supported"
    group = a.get("group", 1)
    assert group == 1
    dil = a.get("dilations", [1])[0]
    stride = a.get("strides", [1])[0]
    pads = a.get("pads", [0, 0])
    K = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[1])))
    T_out = (xp.shape[2] - dil * (K - 1) - 1) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], T_out), dtype=np.float32)
    for k in range(K):
        seg = xp[:, :, k * dil: k * dil + stride * (T_out - 1) + 1: stride]  # [N,C,T_out]
        out += np.einsum("nct,oc->not", seg, w[:, :, k], optimize=True).astype(np.float32)
    if b is not None:
        out += b[None, :, None]
    return out


def _softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def run(model, feeds):
    if isinstance(model, (str, bytes)):
        model = onnx.load(model)
    g = model.graph
    env = {}
    for init in g.initializer:
        env[init.name] = numpy_helper.to_array(init)
    env.update(feeds)
    for node in g.node:
        a = _attrs(node)
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Constant":
            r = a["value"]
        elif op == "Identity":
            r = i[0]
        elif op == "Gather":
            axis = a.get("axis", 0)
            idx = i[1].astype(np.int64)
            r = np.take(i[0], idx, axis=axis)
        elif op == "Cast":
            r = i[0].astype(DT[a["to"]])
        elif op in ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"):
            f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide,
                 "Pow": np.power, "Max": np.maximum, "Min": np.minimum}[op]
            r = i[0]
            for other in i[1:]:
                r = f(r, other)
            if np.issubdtype(i[0].dtype, np.floating):
                r = r.astype(i[0].dtype)
        elif op in ("Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual"):
            f = {"Equal": np.equal, "Greater": np.greater, "Less": np.less,
                 "GreaterOrEqual": np.greater_equal, "LessOrEqual": np.less_equal}[op]
            r = f(i[0], i[1])
        elif op == "Not":
            r = np.logical_not(i[0])
        elif op == "Where":
            r = np.where(i[0], i[1], i[2])
        elif op in ("Log", "Exp", "Sqrt", "Relu", "Tanh", "Sigmoid", "Neg", "Abs", "Reciprocal"):
            x = i[0]
            r = {"Log": np.log, "Exp": np.exp, "Sqrt": np.sqrt, "Relu": lambda v: np.maximum(v, 0),
                 "Tanh": np.tanh, "Sigmoid": lambda v: 1 / (1 + np.exp(-v)), "Neg": np.negative,
                 "Abs": np.abs, "Reciprocal": lambda v: 1 / v}[op](x).astype(x.dtype)
        elif op == "Clip":
            lo = i[1] if len(i) > 1 and i[1] is not None else a.get("min")
            hi = i[2] if len(i) > 2 and i[2] is not None else a.get("max")
            r = i[0]
            if lo is not None:
                r = np.maximum(r, lo)
            if hi is not None:
                r = np.minimum(r, hi)
            r = r.astype(i[0].dtype)
        elif op in ("ReduceSum", "ReduceMean", "ReduceMax"):
            if op == "ReduceSum" and len(i) > 1 and i[1] is not None:
                axes = tuple(int(v) for v in i[1])
            else:
                axes = a.get("axes")
                axes = tuple(axes) if axes is not None else None
            keep = bool(a.get("keepdims", 1))
            f = {"ReduceSum": np.sum, "ReduceMean": np.mean, "ReduceMax": np.max}[op]
            r = f(i[0], axis=axes, keepdims=keep).astype(i[0].dtype)
        elif op == "MatMul":
            r = np.matmul(i[0], i[1]).astype(np.float32)
        elif op == "Gemm":
            A, B = i[0], i[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            r = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2 and i[2] is not None:
                r = r + a.get("beta", 1.0) * i[2]
            r = r.astype(np.float32)
        elif op == "Softmax":
            r = _softmax(i[0], a.get("axis", -1)).astype(np.float32)
        elif op == "Transpose":
            r = np.transpose(i[0], a.get("perm"))
        elif op == "Unsqueeze":
            axes = [int(v) for v in (i[1] if len(i) > 1 else a["axes"])]
            r = i[0]
            for ax in sorted(ax % (r.ndim + len(axes)) for ax in axes):
                r = np.expand_dims(r, ax)
        elif op == "Squeeze":
            axes = i[1] if len(i) > 1 and i[1] is not None else a.get("axes")
            r = np.squeeze(i[0], axis=tuple(int(v) for v in axes) if axes is not None else None)
        elif op == "Reshape":
            shape = [int(v) for v in i[1]]
            shape = [i[0].shape[k] if v == 0 else v for k, v in enumerate(shape)]
            r = i[0].reshape(shape)
        elif op == "Shape":
            r = np.array(i[0].shape, dtype=np.int64)
        elif op == "Slice":
            starts, ends = i[1], i[2]
            axes = i[3] if len(i) > 3 and i[3] is not None else list(range(len(starts)))
            steps = i[4] if len(i) > 4 and i[4] is not None else [1] * len(starts)
            sl = [slice(None)] * i[0].ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                sl[int(ax)] = slice(int(s), int(e), int(st))
            r = i[0][tuple(sl)]
        elif op == "Concat":
            r = np.concatenate(i, axis=a["axis"])
        elif op == "Expand":
            r = i[0] * np.ones([int(v) for v in i[1]], dtype=i[0].dtype)
        elif op == "ConstantOfShape":
            v = a.get("value", np.zeros(1, dtype=np.float32))
            r = np.full([int(s) for s in i[0]], v.reshape(-1)[0], dtype=v.dtype)
        elif op == "Conv":
            r = _conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
        elif op == "DequantizeLinear":
            x, scale = i[0], i[1]
            zp = i[2] if len(i) > 2 and i[2] is not None else np.zeros_like(x)
            axis = a.get("axis", 1)
            if scale.ndim == 1 and scale.size > 1:
                shp = [1] * x.ndim
                shp[axis] = -1
                scale = scale.reshape(shp)
                zp = zp.reshape(shp) if zp.ndim else zp
            r = ((x.astype(np.int32) - zp.astype(np.int32)) * scale).astype(np.float32)
        else:
            raise NotImplementedError("onnx_np: op %s not supported" % op)
        env[node.output[0]] = r
    return [env[o.name] for o in g.output]


def op_types(model):
    if isinstance(model, str):
        model = onnx.load(model)
    return sorted({n.op_type for n in model.graph.node})
