"""The `dnnf` dialect: one op per ONNX operator we import, each tagged with its mapping type.

Declared with upstream MLIR's Python-defined dialects (`dialects.ext`, IRDL underneath).
Ops are grouped by DNNFusion mapping type (DESIGN.md §2). Every op carries the IR attribute
`mapping`, whose value must equal the class constant `MAPPING` (checked by the verifier);
the constant stays unannotated on purpose: `dialects.ext` turns every annotation into a field.
Attributes follow ONNX names, normalised at import (pads explicit, defaults filled in).
Array attributes are declared `Any` because the bindings cannot name `array<i64: ...>` in IRDL.

No `from __future__ import annotations` here: `dialects.ext` evaluates the annotations.
"""

import inspect
from collections.abc import Sequence
from typing import Any

from dnnfusion_mlir._mlir import dialect_ext as ext
from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.dialects.mapping import MappingType

Tensor = ext.Operand[ir.RankedTensorType]
TensorResult = ext.Result[ir.RankedTensorType]


class Dnnf(ext.Dialect, name="dnnf"):
    """DNNFusion's extended computational graph as an MLIR dialect."""


def _mapping_attr(mapping: MappingType) -> Any:
    return lambda: ir.StringAttr.get(mapping.value)


class DnnfOp(Dnnf.Operation):
    """Common base: mapping type constant + verifier; subclasses set MAPPING and ONNX."""

    MAPPING = MappingType.ONE_TO_ONE
    ONNX = ()

    def verify_invariants(self) -> bool:
        """The `mapping` attribute must name this op's mapping type."""
        if "mapping" not in self.operation.attributes:
            self.location.emit_error(f"requires attribute 'mapping' (\"{self.MAPPING.value}\")")
            return False
        value = ir.StringAttr(self.operation.attributes["mapping"]).value
        if value != self.MAPPING.value:
            self.location.emit_error(f"'mapping' must be \"{self.MAPPING.value}\", got \"{value}\"")
            return False
        return True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if kwargs.get("name"):
            # Every named op gets a `mapping` attribute defaulting to its class constant.
            own = dict(inspect.get_annotations(cls))
            own["mapping"] = ir.StringAttr
            cls.__annotations__ = own
            cls.mapping = ext.attribute(default_factory=_mapping_attr(cls.MAPPING))
        super().__init_subclass__(**kwargs)


class Unary(DnnfOp):
    """Shared fields of one-input element-wise ops."""

    input: Tensor
    out: TensorResult = ext.result()


class Binary(DnnfOp):
    """Shared fields of two-input element-wise ops (numpy broadcasting)."""

    lhs: Tensor
    rhs: Tensor
    out: TensorResult = ext.result()


# ---------------------------------------------------------------- One-to-One
class ReluOp(Unary, name="relu", traits=[ext.Pure]):
    """ONNX Relu."""

    ONNX = ("Relu",)


class SigmoidOp(Unary, name="sigmoid", traits=[ext.Pure]):
    """ONNX Sigmoid."""

    ONNX = ("Sigmoid",)


class TanhOp(Unary, name="tanh", traits=[ext.Pure]):
    """ONNX Tanh."""

    ONNX = ("Tanh",)


class ErfOp(Unary, name="erf", traits=[ext.Pure]):
    """ONNX Erf."""

    ONNX = ("Erf",)


class ExpOp(Unary, name="exp", traits=[ext.Pure]):
    """ONNX Exp."""

    ONNX = ("Exp",)


class LogOp(Unary, name="log", traits=[ext.Pure]):
    """ONNX Log."""

    ONNX = ("Log",)


class SqrtOp(Unary, name="sqrt", traits=[ext.Pure]):
    """ONNX Sqrt."""

    ONNX = ("Sqrt",)


class ReciprocalOp(Unary, name="reciprocal", traits=[ext.Pure]):
    """ONNX Reciprocal."""

    ONNX = ("Reciprocal",)


class NegOp(Unary, name="neg", traits=[ext.Pure]):
    """ONNX Neg."""

    ONNX = ("Neg",)


class AbsOp(Unary, name="abs", traits=[ext.Pure]):
    """ONNX Abs."""

    ONNX = ("Abs",)


class HardSwishOp(Unary, name="hard_swish", traits=[ext.Pure]):
    """ONNX HardSwish: x * max(0, min(1, x/6 + 1/2))."""

    ONNX = ("HardSwish",)


class IdentityOp(Unary, name="identity", traits=[ext.Pure]):
    """ONNX Identity."""

    ONNX = ("Identity",)


class DropoutOp(Unary, name="dropout", traits=[ext.Pure]):
    """ONNX Dropout in inference mode (identity on its first output)."""

    ONNX = ("Dropout",)


class CastOp(Unary, name="cast", traits=[ext.Pure]):
    """ONNX Cast; the target element type is the result's."""

    ONNX = ("Cast",)


class LeakyReluOp(DnnfOp, name="leaky_relu", traits=[ext.Pure]):
    """ONNX LeakyRelu."""

    ONNX = ("LeakyRelu",)
    input: Tensor
    alpha: ir.FloatAttr
    out: TensorResult = ext.result()


class HardSigmoidOp(DnnfOp, name="hard_sigmoid", traits=[ext.Pure]):
    """ONNX HardSigmoid: max(0, min(1, alpha*x + beta))."""

    ONNX = ("HardSigmoid",)
    input: Tensor
    alpha: ir.FloatAttr
    beta: ir.FloatAttr
    out: TensorResult = ext.result()


class ClipOp(DnnfOp, name="clip", traits=[ext.Pure]):
    """ONNX Clip with constant bounds (±inf where absent)."""

    ONNX = ("Clip",)
    input: Tensor
    min: ir.FloatAttr
    max: ir.FloatAttr
    out: TensorResult = ext.result()


class AddOp(Binary, name="add", traits=[ext.Pure]):
    """ONNX Add."""

    ONNX = ("Add",)


class SubOp(Binary, name="sub", traits=[ext.Pure]):
    """ONNX Sub."""

    ONNX = ("Sub",)


class MulOp(Binary, name="mul", traits=[ext.Pure]):
    """ONNX Mul."""

    ONNX = ("Mul",)


class DivOp(Binary, name="div", traits=[ext.Pure]):
    """ONNX Div."""

    ONNX = ("Div",)


class PowOp(Binary, name="pow", traits=[ext.Pure]):
    """ONNX Pow."""

    ONNX = ("Pow",)


class EqualOp(Binary, name="equal", traits=[ext.Pure]):
    """ONNX Equal (result i1)."""

    ONNX = ("Equal",)


class WhereOp(DnnfOp, name="where", traits=[ext.Pure]):
    """ONNX Where (numpy broadcasting of all three operands)."""

    ONNX = ("Where",)
    condition: Tensor
    lhs: Tensor
    rhs: Tensor
    out: TensorResult = ext.result()


class BatchNormOp(DnnfOp, name="batch_norm", traits=[ext.Pure]):
    """ONNX BatchNormalization, inference form (per-channel affine map, channel = dim 1)."""

    ONNX = ("BatchNormalization",)
    input: Tensor
    scale: Tensor
    bias: Tensor
    mean: Tensor
    var: Tensor
    epsilon: ir.FloatAttr
    out: TensorResult = ext.result()


class ConcatOp(DnnfOp, name="concat", traits=[ext.Pure]):
    """ONNX Concat."""

    ONNX = ("Concat",)
    inputs: Sequence[Tensor]
    axis: ir.IntegerAttr
    out: TensorResult = ext.result()


class ConcatPairOp(DnnfOp, name="concat_pair", traits=[ext.Pure]):
    """ONNX Concat of operands with different types, as a chain of pairs.

    IRDL binds a variadic operand's constraint to the type of its first value, so
    `dnnf.concat` only verifies when all inputs have one type.
    """

    lhs: Tensor
    rhs: Tensor
    axis: ir.IntegerAttr
    out: TensorResult = ext.result()


class SliceOp(DnnfOp, name="slice", traits=[ext.Pure]):
    """ONNX Slice, normalised: full-rank `starts` and `steps`; sizes are the result shape."""

    ONNX = ("Slice",)
    input: Tensor
    starts: Any = ext.attribute()
    steps: Any = ext.attribute()
    out: TensorResult = ext.result()


class SplitOp(DnnfOp, name="split", traits=[ext.Pure]):
    """ONNX Split; result sizes along `axis` are the results' shapes."""

    ONNX = ("Split",)
    input: Tensor
    axis: ir.IntegerAttr
    outs: Sequence[TensorResult]


class PadOp(DnnfOp, name="pad", traits=[ext.Pure]):
    """ONNX Pad with constant pads (ONNX order: all begins, then all ends)."""

    ONNX = ("Pad",)
    input: Tensor
    pads: Any = ext.attribute()
    mode: ir.StringAttr
    value: ir.FloatAttr
    out: TensorResult = ext.result()


# One-to-One ops added for the model families (ops_extra / kernels_extra).
class MaxOp(Binary, name="max", traits=[ext.Pure]):
    """ONNX Max of two operands (variadic Max is a chain)."""

    ONNX = ("Max",)


class MinOp(Binary, name="min", traits=[ext.Pure]):
    """ONNX Min of two operands (variadic Min is a chain)."""

    ONNX = ("Min",)


class LessOp(Binary, name="less", traits=[ext.Pure]):
    """ONNX Less (result i1)."""

    ONNX = ("Less",)


class LessOrEqualOp(Binary, name="less_or_equal", traits=[ext.Pure]):
    """ONNX LessOrEqual (result i1)."""

    ONNX = ("LessOrEqual",)


class GreaterOp(Binary, name="greater", traits=[ext.Pure]):
    """ONNX Greater (result i1)."""

    ONNX = ("Greater",)


class GreaterOrEqualOp(Binary, name="greater_or_equal", traits=[ext.Pure]):
    """ONNX GreaterOrEqual (result i1)."""

    ONNX = ("GreaterOrEqual",)


class AndOp(Binary, name="and", traits=[ext.Pure]):
    """ONNX And (i1)."""

    ONNX = ("And",)


class OrOp(Binary, name="or", traits=[ext.Pure]):
    """ONNX Or (i1)."""

    ONNX = ("Or",)


class XorOp(Binary, name="xor", traits=[ext.Pure]):
    """ONNX Xor (i1)."""

    ONNX = ("Xor",)


class NotOp(Unary, name="not", traits=[ext.Pure]):
    """ONNX Not (i1)."""

    ONNX = ("Not",)


class SoftplusOp(Unary, name="softplus", traits=[ext.Pure]):
    """ONNX Softplus: log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|))."""

    ONNX = ("Softplus",)


class SinOp(Unary, name="sin", traits=[ext.Pure]):
    """ONNX Sin."""

    ONNX = ("Sin",)


class CosOp(Unary, name="cos", traits=[ext.Pure]):
    """ONNX Cos."""

    ONNX = ("Cos",)


class GeluOp(DnnfOp, name="gelu", traits=[ext.Pure]):
    """ONNX Gelu (opset 20): approximate "none" (erf) or "tanh"."""

    ONNX = ("Gelu",)
    input: Tensor
    approximate: ir.StringAttr
    out: TensorResult = ext.result()

# ---------------------------------------------------------------- One-to-Many
class ExpandOp(DnnfOp, name="expand", traits=[ext.Pure]):
    """ONNX Expand (target shape is the result's)."""

    MAPPING = MappingType.ONE_TO_MANY
    ONNX = ("Expand",)
    input: Tensor
    out: TensorResult = ext.result()


class GatherOp(DnnfOp, name="gather", traits=[ext.Pure]):
    """ONNX Gather."""

    MAPPING = MappingType.ONE_TO_MANY
    ONNX = ("Gather",)
    data: Tensor
    indices: Tensor
    axis: ir.IntegerAttr
    out: TensorResult = ext.result()


def _f32_attr(value: float) -> Any:
    return lambda: ir.FloatAttr.get(ir.F32Type.get(), value)


def _i64_attr(value: int) -> Any:
    return lambda: ir.IntegerAttr.get(ir.IntegerType.get_signless(64), value)


def _f32_array_attr() -> Any:
    return ir.DenseF32ArrayAttr.get([])


class ResizeOp(DnnfOp, name="resize", traits=[ext.Pure]):
    """ONNX Resize (nearest, linear, cubic; antialias; tf_crop_and_resize with a full-rank
    `roi`, [] otherwise); output size is the result shape. `fractional_length` = 1: the
    coordinate formulas take an axis's resized length as input length x scale, fractional
    when that is (ONNX's reference for a `scales` input; the importer sets it only where that
    changes the result); 0: the result's integer length."""

    MAPPING = MappingType.ONE_TO_MANY
    ONNX = ("Resize", "Upsample")
    input: Tensor
    mode: ir.StringAttr
    coordinate_transformation_mode: ir.StringAttr
    nearest_mode: ir.StringAttr
    scales: Any = ext.attribute()
    out: TensorResult = ext.result()
    # Added after the fields above (keyword, defaulted to ONNX's defaults) so existing
    # builders keep working.
    cubic_coeff_a: ir.FloatAttr = ext.attribute(default_factory=_f32_attr(-0.75))
    exclude_outside: ir.IntegerAttr = ext.attribute(default_factory=_i64_attr(0))
    antialias: ir.IntegerAttr = ext.attribute(default_factory=_i64_attr(0))
    roi: Any = ext.attribute(default_factory=_f32_array_attr)
    extrapolation_value: ir.FloatAttr = ext.attribute(default_factory=_f32_attr(0.0))
    fractional_length: ir.IntegerAttr = ext.attribute(default_factory=_i64_attr(0))


# One-to-Many ops added for the model families (ops_extra / kernels_extra).
class TileOp(Unary, name="tile", traits=[ext.Pure]):
    """ONNX Tile (repeats = result shape / input shape, per dim)."""

    MAPPING = MappingType.ONE_TO_MANY
    ONNX = ("Tile",)


class FillOp(DnnfOp, name="fill", traits=[ext.Pure]):
    """ONNX ConstantOfShape: a result-shaped tensor of one value (no operands)."""

    MAPPING = MappingType.ONE_TO_MANY
    ONNX = ("ConstantOfShape",)
    value: Any = ext.attribute()
    out: TensorResult = ext.result()

# ---------------------------------------------------------------- Many-to-Many
class ConvOp(DnnfOp, name="conv", traits=[ext.Pure]):
    """ONNX Conv (explicit pads: begins then ends; bias optional)."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("Conv",)
    input: Tensor
    weight: Tensor
    strides: Any = ext.attribute()
    pads: Any = ext.attribute()
    dilations: Any = ext.attribute()
    group: ir.IntegerAttr
    out: TensorResult = ext.result()
    bias: Tensor | None = None


class MatMulOp(DnnfOp, name="matmul", traits=[ext.Pure]):
    """ONNX MatMul (numpy semantics: batched, broadcast batch dims)."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("MatMul",)
    lhs: Tensor
    rhs: Tensor
    out: TensorResult = ext.result()


class GemmOp(DnnfOp, name="gemm", traits=[ext.Pure]):
    """ONNX Gemm: alpha * op(A) @ op(B) + beta * C."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("Gemm",)
    lhs: Tensor
    rhs: Tensor
    alpha: ir.FloatAttr
    beta: ir.FloatAttr
    trans_a: ir.IntegerAttr
    trans_b: ir.IntegerAttr
    out: TensorResult = ext.result()
    bias: Tensor | None = None


class MaxPoolOp(DnnfOp, name="max_pool", traits=[ext.Pure]):
    """ONNX MaxPool (explicit pads; ceil_mode already reflected in the result shape)."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("MaxPool",)
    input: Tensor
    kernel_shape: Any = ext.attribute()
    strides: Any = ext.attribute()
    pads: Any = ext.attribute()
    dilations: Any = ext.attribute()
    out: TensorResult = ext.result()


class MaxPoolWithIndicesOp(DnnfOp, name="max_pool_with_indices", traits=[ext.Pure]):
    """ONNX MaxPool with its Indices output: the flat input index of each window's first
    maximum, (n * C + c) * spatial size + the spatial offset, row-major (storage_order 0) or
    column-major (1) over the spatial dims; other fields as `dnnf.max_pool`."""

    MAPPING = MappingType.MANY_TO_MANY
    input: Tensor
    kernel_shape: Any = ext.attribute()
    strides: Any = ext.attribute()
    pads: Any = ext.attribute()
    dilations: Any = ext.attribute()
    storage_order: ir.IntegerAttr
    out: TensorResult = ext.result()
    indices: TensorResult = ext.result()


def _no_dilations() -> Any:
    return ir.DenseI64ArrayAttr.get([])


class AveragePoolOp(DnnfOp, name="average_pool", traits=[ext.Pure]):
    """ONNX AveragePool (explicit pads; `dilations` per spatial dim, [] = all 1)."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("AveragePool",)
    input: Tensor
    kernel_shape: Any = ext.attribute()
    strides: Any = ext.attribute()
    pads: Any = ext.attribute()
    count_include_pad: ir.IntegerAttr
    out: TensorResult = ext.result()
    # Added after the fields above (keyword, defaulted) so existing builders keep working.
    dilations: Any = ext.attribute(default_factory=_no_dilations)


class GlobalAveragePoolOp(Unary, name="global_average_pool", traits=[ext.Pure]):
    """ONNX GlobalAveragePool."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("GlobalAveragePool",)


class SoftmaxOp(DnnfOp, name="softmax", traits=[ext.Pure]):
    """ONNX Softmax (opset >= 13 semantics: along one axis)."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("Softmax",)
    input: Tensor
    axis: ir.IntegerAttr
    out: TensorResult = ext.result()


class LayerNormOp(DnnfOp, name="layer_norm", traits=[ext.Pure]):
    """ONNX LayerNormalization over dims [axis, rank)."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("LayerNormalization",)
    input: Tensor
    scale: Tensor
    axis: ir.IntegerAttr
    epsilon: ir.FloatAttr
    out: TensorResult = ext.result()
    bias: Tensor | None = None


class Reduce(DnnfOp):
    """Shared fields of reductions: non-empty normalised `axes`, `keepdims` 0/1."""

    MAPPING = MappingType.MANY_TO_MANY
    input: Tensor
    axes: Any = ext.attribute()
    keepdims: ir.IntegerAttr
    out: TensorResult = ext.result()


class ReduceMeanOp(Reduce, name="reduce_mean", traits=[ext.Pure]):
    """ONNX ReduceMean."""

    ONNX = ("ReduceMean",)


class ReduceSumOp(Reduce, name="reduce_sum", traits=[ext.Pure]):
    """ONNX ReduceSum."""

    ONNX = ("ReduceSum",)


class ReduceMaxOp(Reduce, name="reduce_max", traits=[ext.Pure]):
    """ONNX ReduceMax."""

    ONNX = ("ReduceMax",)


# Many-to-Many ops added for the model families (ops_extra / kernels_extra).
class ConvTransposeOp(DnnfOp, name="conv_transpose", traits=[ext.Pure]):
    """ONNX ConvTranspose (explicit pads: begins then ends; output_padding folded into the
    result shape; bias optional)."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("ConvTranspose",)
    input: Tensor
    weight: Tensor
    strides: Any = ext.attribute()
    pads: Any = ext.attribute()
    dilations: Any = ext.attribute()
    group: ir.IntegerAttr
    out: TensorResult = ext.result()
    bias: Tensor | None = None


class LrnOp(DnnfOp, name="lrn", traits=[ext.Pure]):
    """ONNX LRN: x / (bias + alpha / size * sum of squares over a channel window) ** beta."""

    MAPPING = MappingType.MANY_TO_MANY
    ONNX = ("LRN",)
    input: Tensor
    size: ir.IntegerAttr
    alpha: ir.FloatAttr
    beta: ir.FloatAttr
    bias: ir.FloatAttr
    out: TensorResult = ext.result()


# ---------------------------------------------------------------- Reorganize
class ReshapeOp(Unary, name="reshape", traits=[ext.Pure]):
    """ONNX Reshape (target shape is the result's)."""

    MAPPING = MappingType.REORGANIZE
    ONNX = ("Reshape",)


class FlattenOp(DnnfOp, name="flatten", traits=[ext.Pure]):
    """ONNX Flatten."""

    MAPPING = MappingType.REORGANIZE
    ONNX = ("Flatten",)
    input: Tensor
    axis: ir.IntegerAttr
    out: TensorResult = ext.result()


class SqueezeOp(DnnfOp, name="squeeze", traits=[ext.Pure]):
    """ONNX Squeeze (normalised axes)."""

    MAPPING = MappingType.REORGANIZE
    ONNX = ("Squeeze",)
    input: Tensor
    axes: Any = ext.attribute()
    out: TensorResult = ext.result()


class UnsqueezeOp(DnnfOp, name="unsqueeze", traits=[ext.Pure]):
    """ONNX Unsqueeze (normalised axes)."""

    MAPPING = MappingType.REORGANIZE
    ONNX = ("Unsqueeze",)
    input: Tensor
    axes: Any = ext.attribute()
    out: TensorResult = ext.result()


# ---------------------------------------------------------------- Shuffle
class TransposeOp(DnnfOp, name="transpose", traits=[ext.Pure]):
    """ONNX Transpose."""

    MAPPING = MappingType.SHUFFLE
    ONNX = ("Transpose",)
    input: Tensor
    perm: Any = ext.attribute()
    out: TensorResult = ext.result()


# ---------------------------------------------------------------- structure
class ConstantOp(Dnnf.Operation, name="constant", traits=[ext.Pure]):
    """A weight or constant tensor: `dense<...>` when small, `dense_resource<...>` otherwise."""

    value: Any = ext.attribute()
    out: TensorResult = ext.result()


class FusedOp(Dnnf.Operation, name="fused"):
    """A fusion block: one kernel after code generation; `mapping` is the block's type."""

    inputs: Sequence[Tensor]
    mapping: ir.StringAttr
    outs: Sequence[TensorResult]
    body: ext.Region


class YieldOp(Dnnf.Operation, name="yield", traits=[ir.IsTerminatorTrait]):
    """Terminator of `dnnf.fused`."""

    values: Sequence[Tensor]


def all_ops() -> list[type]:
    """Every op class of the dialect, in declaration order."""
    return list(Dnnf.operations)


def ops_by_onnx_type() -> dict[str, type]:
    """ONNX op type -> dnnf op class."""
    return {onnx: cls for cls in Dnnf.operations for onnx in getattr(cls, "ONNX", ())}


def load(context: "ir.Context | None" = None) -> None:
    """Register and load the dialect in `context` (default: the current one); idempotent."""
    ctx = context or ir.Context.current
    if not ctx.is_dialect_loaded(Dnnf.DIALECT_NAMESPACE):
        with ctx:
            Dnnf.load()
