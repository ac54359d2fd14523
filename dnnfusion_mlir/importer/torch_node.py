"""What an aten converter sees of one torch-dialect op (the PyTorch twin of node.py).

Operands arrive already resolved: computed tensors as `dnnf` SSA values, weights and other
literals as numpy arrays (materialised as `dnnf.constant` only when an op consumes them),
`torch.constant.*` and `torch.prim.ListConstruct` as Python scalars and lists. Result types
come from the torch op's static `!torch.vtensor<[...],dtype>` types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dnnfusion_mlir import errors
from dnnfusion_mlir._mlir import ir
from dnnfusion_mlir.importer.constants import ConstantPool
from dnnfusion_mlir.types import is_supported, tensor_type

AtenConverter = Callable[["AtenContext"], list[Any]]
ATEN_CONVERTERS: dict[str, AtenConverter] = {}

_VTENSOR = re.compile(r"!torch\.vtensor<\[([^\]]*)\],(\w+)>")
_DTYPES = {"f32": np.float32, "f64": np.float64, "si64": np.int64, "si32": np.int32,
           "i1": np.bool_, "f16": np.float16, "ui8": np.uint8, "si8": np.int8}


def aten(*names: str) -> Callable[[AtenConverter], AtenConverter]:
    """Register the decorated function as the converter of the torch ops `names`."""

    def register(fn: AtenConverter) -> AtenConverter:
        for name in names:
            if name in ATEN_CONVERTERS:
                raise RuntimeError(f"two converters for {name}")
            ATEN_CONVERTERS[name] = fn
        return fn

    return register


def parse_vtensor(type_text: str) -> tuple[tuple[int, ...], np.dtype] | None:
    """(shape, dtype) of a `!torch.vtensor<[..],dtype>` type; None for other types."""
    match = _VTENSOR.fullmatch(type_text)
    if not match or match.group(2) not in _DTYPES:
        return None
    dims = match.group(1)
    shape = tuple(int(d) for d in dims.split(",")) if dims else ()
    return shape, np.dtype(_DTYPES[match.group(2)])


class AtenContext:
    """One torch-dialect op during conversion (see importer/torch_importer.py)."""

    def __init__(self, name: str, where: str, args: list[Any],
                 results: list[tuple[tuple[int, ...], np.dtype] | None],
                 pool: ConstantPool, names: dict[int, tuple[str, np.ndarray]]) -> None:
        self.name = name  # e.g. "aten.add.Tensor"
        self.where = where  # e.g. "model.py:12"
        self.args = args
        self._results = results
        self._pool = pool
        self._names = names  # id(array) -> (constant name, array kept alive)

    # ------------------------------------------------------------ errors
    def unsupported(self, reason: str) -> errors.CompileError:
        """An UnsupportedOpError naming this op and its source location (raise it)."""
        return errors.UnsupportedOpError(reason, node=self.where, op_type=self.name)

    # ------------------------------------------------------------ operands
    def arg(self, i: int, default: Any = None) -> Any:
        """Operand `i` as resolved (Python scalar/list/None, numpy array or ir.Value)."""
        return self.args[i] if i < len(self.args) else default

    def is_tensor(self, i: int) -> bool:
        return isinstance(self.arg(i), ir.Value | np.ndarray)

    def tensor(self, i: int) -> ir.Value:
        """Operand `i` as a `dnnf` tensor value (literals become `dnnf.constant`)."""
        return self.as_tensor(self.arg(i), f"operand {i}")

    def as_tensor(self, value: Any, what: str) -> ir.Value:
        """`value` (an SSA value or constant array) as a `dnnf` tensor value."""
        if isinstance(value, ir.Value):
            return value
        if isinstance(value, np.ndarray):
            return self.constant(value)
        raise self.unsupported(f"{what} must be a tensor, got {value!r}")

    def const(self, i: int) -> np.ndarray | None:
        """Operand `i` if it is a compile-time constant array, else None."""
        value = self.arg(i)
        return value if isinstance(value, np.ndarray) else None

    def ints(self, i: int) -> list[int]:
        """Operand `i` as a list of Python ints (a scalar becomes a one-element list)."""
        value = self.arg(i)
        values = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, int) for v in values):
            raise self.unsupported(f"operand {i} must be constant integers, got {value!r}")
        return [int(v) for v in values]

    def number(self, i: int, default: float | None = None) -> float:
        """Operand `i` as a Python number (constant scalar or one-element array)."""
        value = self.arg(i, default)
        if isinstance(value, np.ndarray) and value.size == 1:
            return value.reshape(()).item()  # type: ignore[no-any-return]
        if isinstance(value, bool | int | float):
            return value
        raise self.unsupported(f"operand {i} must be a constant number, got {value!r}")

    def shape(self, i: int) -> tuple[int, ...]:
        value = self.arg(i)
        if isinstance(value, np.ndarray):
            return tuple(value.shape)
        return tuple(ir.RankedTensorType(self.tensor(i).type).shape)

    def rank(self, i: int) -> int:
        return len(self.shape(i))

    def dtype(self, i: int) -> np.dtype:
        value = self.arg(i)
        if isinstance(value, np.ndarray):
            return value.dtype
        from dnnfusion_mlir.types import dtype_of

        return dtype_of(ir.RankedTensorType(self.tensor(i).type).element_type)

    def axis(self, value: int, rank: int) -> int:
        """`value` normalised into [0, rank)."""
        if not -rank <= value < max(rank, 1):
            raise self.unsupported(f"dim {value} is out of range for rank {rank}")
        return value % rank if rank else 0

    # ------------------------------------------------------------ results
    def out_shape(self, i: int = 0) -> tuple[int, ...]:
        return self._result(i)[0]

    def out_dtype(self, i: int = 0) -> np.dtype:
        return self._result(i)[1]

    def out_type(self, i: int = 0) -> ir.RankedTensorType:
        shape, dtype = self._result(i)
        if not is_supported(dtype):
            raise errors.DTypeError(f"result {i} has element type {dtype}", node=self.where,
                                    op_type=self.name)
        return tensor_type(shape, dtype)

    def type_like(self, shape: Sequence[int], dtype: np.dtype | None = None) -> ir.Type:
        """A tensor type of `shape` with the result's (or `dtype`'s) element type."""
        return tensor_type(shape, dtype if dtype is not None else self.out_dtype())

    def _result(self, i: int) -> tuple[tuple[int, ...], np.dtype]:
        if i >= len(self._results) or self._results[i] is None:
            raise self.unsupported(f"result {i} is not a statically shaped tensor")
        return self._results[i]  # type: ignore[return-value]

    # ------------------------------------------------------------ building
    def constant(self, array: np.ndarray, hint: str = "") -> ir.Value:
        """A `dnnf.constant` holding `array` (cached by object identity)."""
        if id(array) not in self._names:
            self._names[id(array)] = (hint or f"{self.name}_const_{len(self._names)}", array)
        return self._pool.get(self._names[id(array)][0], array)

    def scalar(self, value: float, dtype: np.dtype | None = None) -> ir.Value:
        """A rank-0 constant of `value` (element type: the result's, or `dtype`)."""
        dt = np.dtype(dtype if dtype is not None else self.out_dtype())
        if dt == np.bool_:
            dt = np.dtype(np.float32)
        return self._pool.get(f"scalar_{dt}_{value!r}", np.asarray(value, dtype=dt))

    def build(self, op_cls: type, *operands: Any, **fields: Any) -> ir.OpView:
        """Create `op_cls(*operands, **fields)` at this op's location."""
        with ir.Location.name(f"{self.name}@{self.where}"):
            return op_cls(*operands, **fields)
