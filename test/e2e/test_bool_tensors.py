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
    (helper.make_node("Tile", ["b", "s"], ["t"]), {"s": np.array([2, 1, 3], np.int64)}),
])
def test_bool_data_movement(node: object, inits: dict) -> None:
    model = make_model([helper.make_node("Cast", ["x"], ["b"], to=9), node,
                        helper.make_node("Cast", ["t"], ["y"], to=1)],
                       {"x": X}, ["y"], initializers=inits)
    assert_matches_onnxruntime(model, {"x": X})


def test_small_bool_constant_is_not_bit_packed() -> None:
    """A <=16-element bool constant stays inline (dense<[true, false, ...]>), element-exact."""
    mask = np.array([True, False, True, True, False, False, True], np.bool_)
    x = np.random.default_rng(4).standard_normal((3, 7)).astype(np.float32)
    model = make_model([helper.make_node("Where", ["m", "x", "zero"], ["y"])], {"x": x}, ["y"],
                       initializers={"m": mask, "zero": np.zeros((1,), np.float32)})
    from dnnfusion_mlir import compile as dnnf_compile

    np.testing.assert_array_equal(dnnf_compile(model)(x)[0], np.where(mask, x, 0.0))
