#!/usr/bin/python3
"""Builds the ONNX fixtures of the model-serving tests and the outputs they must give.

Run by hand with Debian's Python (python3-onnx, python3-numpy, python3-sklearn), not at test time:

    /usr/bin/python3 scripts/make-models.py

It writes test/fixtures/models/{linear,mlp,iris-tree,fixed,zipmap}.onnx and expected.json. The expected
outputs are computed here with numpy (linear, MLP) and scikit-learn's own predict/predict_proba (the tree),
never by onnxruntime, so the tests compare Bulwark against an independent computation.
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "models")
# ONNX 1.12 (Debian) writes IR 8; opset 17 for the standard domain and 3 for ai.onnx.ml work in onnxruntime 1.2x.
OPSETS = [helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]


def save(model, name):
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))


def linear(rng):
    """y = x · w + b with x: float32 [N, 3], y: float32 [N, 1]."""
    w = np.array([[0.5], [-1.25], [2.0]], dtype=np.float32)
    b = np.array([0.75], dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y"])],
        "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    )
    save(helper.make_model(graph, opset_imports=OPSETS[:1], producer_name="bulwark-fixtures"), "linear.onnx")
    x = rng.uniform(-2, 2, size=(5, 3)).astype(np.float32)
    return {"inputs": {"x": x.tolist()}, "outputs": {"y": (x @ w + b).tolist()}}


def mlp(rng):
    """64 → 128 (ReLU) → 10 with fixed random weights; input `x` float32 [batch, 64], output `logits`."""
    w1 = rng.normal(0, 0.125, size=(64, 128)).astype(np.float32)
    b1 = rng.normal(0, 0.1, size=(128,)).astype(np.float32)
    w2 = rng.normal(0, 0.09, size=(128, 10)).astype(np.float32)
    b2 = rng.normal(0, 0.1, size=(10,)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w1"], ["h0"]),
            helper.make_node("Add", ["h0", "b1"], ["h1"]),
            helper.make_node("Relu", ["h1"], ["h"]),
            helper.make_node("MatMul", ["h", "w2"], ["o0"]),
            helper.make_node("Add", ["o0", "b2"], ["logits"]),
        ],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]],
    )
    save(helper.make_model(graph, opset_imports=OPSETS[:1], producer_name="bulwark-fixtures"), "mlp.onnx")
    x = rng.uniform(-1, 1, size=(4, 64)).astype(np.float32)
    h = np.maximum(x.astype(np.float64) @ w1 + b1, 0)
    return {"inputs": {"x": x.tolist()}, "outputs": {"logits": (h @ w2 + b2).tolist()}}


def tree_node(tree, zipmap=False):
    """A TreeEnsembleClassifier node (plus ZipMap when asked) from a fitted sklearn tree's arrays."""
    t = tree.tree_
    n = t.node_count
    leaf = t.children_left == -1
    class_nodeids, class_ids, class_weights = [], [], []
    for node in range(n):
        if not leaf[node]:
            continue
        counts = t.value[node][0]
        for k, p in enumerate(counts / counts.sum()):
            class_nodeids.append(node)
            class_ids.append(k)
            class_weights.append(float(p))
    nodes = [
        helper.make_node(
            "TreeEnsembleClassifier",
            ["input"],
            ["label", "probabilities" if not zipmap else "probability_tensor"],
            domain="ai.onnx.ml",
            # sklearn sends x <= threshold left; the tree compares float32 features, so must the model.
            nodes_treeids=[0] * n,
            nodes_nodeids=list(range(n)),
            nodes_featureids=[int(f) if f >= 0 else 0 for f in t.feature],
            nodes_values=[float(np.float32(v)) if v != -2 else 0.0 for v in t.threshold],
            nodes_modes=["LEAF" if leaf[i] else "BRANCH_LEQ" for i in range(n)],
            nodes_truenodeids=[int(c) if c >= 0 else 0 for c in t.children_left],
            nodes_falsenodeids=[int(c) if c >= 0 else 0 for c in t.children_right],
            class_treeids=[0] * len(class_nodeids),
            class_nodeids=class_nodeids,
            class_ids=class_ids,
            class_weights=class_weights,
            classlabels_int64s=[int(c) for c in tree.classes_],
            post_transform="NONE",
        )
    ]
    if zipmap:
        nodes.append(
            helper.make_node(
                "ZipMap",
                ["probability_tensor"],
                ["probabilities"],
                domain="ai.onnx.ml",
                classlabels_int64s=[int(c) for c in tree.classes_],
            )
        )
    return nodes


def map_int64_float():
    """map(int64, float): onnx 1.12's helper has no make_map_type_proto."""
    proto = onnx.TypeProto()
    proto.map_type.key_type = TensorProto.INT64
    proto.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    return proto


def iris(zipmap=False):
    data = load_iris()
    x = data.data.astype(np.float32)
    tree = DecisionTreeClassifier(random_state=0, max_depth=4).fit(x, data.target)
    probabilities = (
        helper.make_value_info("probabilities", helper.make_sequence_type_proto(map_int64_float()))
        if zipmap
        else helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 3])
    )
    graph = helper.make_graph(
        tree_node(tree, zipmap),
        "iris_tree",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]), probabilities],
    )
    model = helper.make_model(graph, opset_imports=OPSETS, producer_name="bulwark-fixtures")
    save(model, "zipmap.onnx" if zipmap else "iris-tree.onnx")
    return {
        "inputs": {"input": x.tolist()},
        "outputs": {"label": tree.predict(x).tolist(), "probabilities": tree.predict_proba(x).tolist()},
    }


def fixed():
    """No batch dimension: input `a` float32 [2, 2] exactly, output `doubled` = 2a. Batching stays off."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "a"], ["doubled"])],
        "fixed",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("doubled", TensorProto.FLOAT, [2, 2])],
    )
    save(helper.make_model(graph, opset_imports=OPSETS[:1], producer_name="bulwark-fixtures"), "fixed.onnx")
    a = [[1.5, -2.0], [0.25, 4.0]]
    return {"inputs": {"a": a}, "outputs": {"doubled": (np.array(a, dtype=np.float32) * 2).tolist()}}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261206)
    expected = {"linear": linear(rng), "mlp": mlp(rng), "iris-tree": iris(), "fixed": fixed()}
    iris(zipmap=True)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")


if __name__ == "__main__":
    main()
