"""Bool tensors through data-movement ops: one byte per element end to end.

Regression: vectorised i1 loads/stores are bit-packed by LLVM, while i1 buffers and numpy
bools use one byte per element; the scheduler must keep i1 ops scalar.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from dnnfusion_mlir.testing import assert_matches_onnxruntime, make_model

X = np.random.default_rng(3).standard_normal((3, 5, 7)).astype(np.float32)


@pytest.mark.parametrize(("node", "inits"), [
    (helper.make_node("Transpose", ["b"], ["t"], perm=[2, 0, 1]), {}),
    (helper.make_node("Expand", ["b", "s"], ["t"]), {"s": np.array([2, 3, 5, 7], np.int64)}),
    (helper.make_node("Concat", ["b", "b"], ["t"], axis=2), {}),
    (helper.make_node("Reshape", ["b", "s"], ["t"]), {"s": np.array([15, 7], np.int64)}),
])
def test_bool_data_movement(node: object, inits: dict) -> None:
    model = make_model([helper.make_node("Cast", ["x"], ["b"], to=9), node,
                        helper.make_node("Cast", ["t"], ["y"], to=1)],
                       {"x": X}, ["y"], initializers=inits)
    assert_matches_onnxruntime(model, {"x": X})
