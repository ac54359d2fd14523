"""PyTorch import end to end: torch.nn.Module -> torch-mlir FX -> dnnf -> host JIT, compared
with torch eager (max relative error <= 1e-4), per aten op group and on two small networks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from torch_case import Fn, rand  # noqa: E402

import dnnfusion_mlir as dnnf  # noqa: E402

RTOL = 1e-4


def check(module: nn.Module, *inputs: torch.Tensor, fuse: bool = False) -> dnnf.CompiledModel:
    """Compile `module`, run it, and compare every output with torch eager."""
    module.eval()
    with torch.no_grad():
        expected = module(*inputs)
    expected = expected if isinstance(expected, tuple | list) else (expected,)
    cm = dnnf.compile(module, example_inputs=inputs, fuse=fuse)
    got = cm(*(t.numpy() for t in inputs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        e = e.numpy()
        assert g.shape == e.shape
        assert g.dtype == e.dtype
        scale = max(float(np.abs(e).max()) if e.size else 0.0, 1.0)
        err = float(np.abs(g.astype(np.float64) - e).max()) if e.size else 0.0
        assert err <= RTOL * scale, f"max error {err} (scale {scale})"
    return cm


ELEMENTWISE = {
    "relu_sigmoid_tanh": lambda m, x: torch.relu(x) + torch.sigmoid(x) * torch.tanh(x),
    "gelu": lambda m, x: F.gelu(x) - F.gelu(x, approximate="tanh"),
    "silu_hard": lambda m, x: F.silu(x) + F.hardswish(x) + F.hardsigmoid(x),
    "clamp_relu6": lambda m, x: torch.clamp(x, -0.5, 0.7) + F.relu6(x * 4),
    "arith_alpha": lambda m, x: torch.add(x, x * 2, alpha=3) - torch.sub(x, 1.5, alpha=2),
    "arith_scalar": lambda m, x: (x * 2.5 + 1) / 3 - (2 - x) / (x.abs() + 1),
    "pow_sqrt": lambda m, x: torch.pow(x, 2) + torch.sqrt(x.abs() + 1) + (x.abs() + 1) ** 0.5,
    "rsqrt_exp_log": lambda m, x: torch.rsqrt(x.abs() + 1) + torch.exp(x) - torch.log(x.abs()
                                                                                     + 1),
    "where_eq": lambda m, x: torch.where(x.abs() == x, x, -x),
    "masked_fill": lambda m, x: x.masked_fill(x.abs() == x, -1.0),
    "dropout_clone": lambda m, x: F.dropout(x.clone().contiguous(), 0.3, training=False),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise(name: str) -> None:
    check(Fn(ELEMENTWISE[name]), rand(2, 3, 5))


SHAPE = {
    "view_flatten": lambda m, x: x.view(2, 15).reshape(3, 10).flatten(),
    "squeeze_unsqueeze": lambda m, x: x.unsqueeze(1).unsqueeze(-1).squeeze(-1).squeeze(),
    "permute_transpose": lambda m, x: x.permute(2, 0, 1).transpose(0, 2).contiguous() + 1,
    "t_expand": lambda m, x: x[0].t().unsqueeze(0).expand(4, 5, 3) * 2,
    "cat_slice": lambda m, x: torch.cat([x[:, 1:], x[:, :1] * 2], dim=1)[..., ::2],
    "select": lambda m, x: x[1] + x[:, 2].unsqueeze(1) + x[0, 0, 4],
    "split_chunk": lambda m, x: sum(torch.split(x, [1, 2], dim=1)[i].sum(1) for i in (0, 1))
    + torch.chunk(x, 5, dim=2)[3].squeeze(2).sum(1, keepdim=True),
}


@pytest.mark.parametrize("name", sorted(SHAPE))
def test_shape(name: str) -> None:
    check(Fn(SHAPE[name]), rand(2, 3, 5))


NN: dict[str, tuple[Callable, dict, tuple]] = {
    "conv": (lambda m, x: m["a"](x) + m["b"](x)[..., :6, :6].sum(1, keepdim=True),
             {"a": nn.Conv2d(4, 6, 3, stride=2, padding=1),
              "b": nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2, bias=False)},
             (1, 4, 11, 11)),
    "conv_same_1d": (lambda m, x: m["a"](x), {"a": nn.Conv1d(3, 5, 4, padding="same")},
                     (2, 3, 9)),
    "linear": (lambda m, x: m["a"](x) + m["a"](x[0]), {"a": nn.Linear(5, 7)}, (3, 4, 5)),
    "addmm_matmul": (lambda m, x: m["a"](x[0]) @ x[1].t() + torch.bmm(x, x.transpose(1, 2)
                                                                    )[0, :, :4],
                     {"a": nn.Linear(5, 5)}, (2, 4, 5)),
    "batch_norm": (lambda m, x: m["a"](x), {"a": nn.BatchNorm2d(3)}, (2, 3, 4, 4)),
    "layer_norm": (lambda m, x: m["a"](x) + F.layer_norm(x, (4, 5)),
                   {"a": nn.LayerNorm(5)}, (3, 4, 5)),
    "softmax": (lambda m, x: torch.softmax(x, 1) + F.log_softmax(x, -1), {}, (3, 4, 5)),
    "pools": (lambda m, x: (F.max_pool2d(x, 3, 2, ceil_mode=True), F.max_pool2d(x, 2),
                            F.avg_pool2d(x, 3, 2, padding=1),
                            F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False)),
              {}, (1, 2, 10, 10)),
    "adaptive_pool": (lambda m, x: F.adaptive_avg_pool2d(x, 1) + F.adaptive_avg_pool2d(x, 2)
                      .mean((2, 3), keepdim=True), {}, (2, 3, 8, 8)),
    "reduce": (lambda m, x: x.mean(-1) + x.sum(dim=1)[:, :1] + torch.amax(x, dim=(1,)),
               {}, (3, 4, 4)),
}


@pytest.mark.parametrize("name", sorted(NN))
def test_nn(name: str) -> None:
    fn, params, shape = NN[name]
    torch.manual_seed(0)
    module = Fn(fn, **params)
    for mod in module.modules():  # non-trivial running statistics
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-1, 1)
            mod.running_var.uniform_(0.5, 2)
    check(module, rand(*shape))


def test_embedding_and_factories() -> None:
    def fn(m: nn.ModuleDict, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1])
        y = m["tok"](ids) + m["pos"](pos) + torch.ones(4) - torch.zeros(1, 4)
        return y * torch.full((4,), 0.5)

    torch.manual_seed(0)
    module = Fn(fn, tok=nn.Embedding(10, 4), pos=nn.Embedding(6, 4))
    check(module, torch.tensor([[1, 2, 3], [9, 0, 5]]))


@pytest.mark.parametrize("causal", [False, True])
def test_scaled_dot_product_attention(causal: bool) -> None:
    def fn(m: nn.ModuleDict, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        mask = None if causal else torch.tensor([[True, True, False, True, True]])
        return F.scaled_dot_product_attention(q, k, k * 2, attn_mask=mask, is_causal=causal)

    cm = check(Fn(fn), rand(2, 2, 5, 8), rand(2, 2, 5, 9)[..., :8].contiguous())
    assert "dnnf.softmax" in cm.mlir("dnnf")


def test_small_cnn() -> None:
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.BatchNorm2d(8), nn.Hardswish(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    cm = check(module, rand(2, 3, 16, 16), fuse=True)
    assert cm.stats["onnx_nodes"] > 0  # the aten op count on this path


def test_transformer_encoder_layer() -> None:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32, dropout=0.1,
                                       activation="gelu", batch_first=True)
    cm = check(layer, rand(2, 6, 16))
    text = cm.mlir("dnnf")
    assert "dnnf.layer_norm" in text
    assert "dnnf.erf" in text


def test_unsupported_op_is_named() -> None:
    module = Fn(lambda m, x: torch.cumsum(x, dim=0))
    with pytest.raises(dnnf.UnsupportedOpError, match=r"aten\.cumsum"):
        dnnf.compile(module, example_inputs=(rand(3, 4),))


def test_missing_example_inputs() -> None:
    with pytest.raises(dnnf.CompileError, match="example_inputs"):
        dnnf.compile(Fn(lambda m, x: x + 1))


def test_constant_bool_mask() -> None:
    mask = torch.tensor([True, False, True, False, True])
    check(Fn(lambda m, x: x.masked_fill(mask, -1.0)), rand(2, 3, 5))


def test_comparisons() -> None:
    check(Fn(lambda m, x: torch.where(x > 0, x, x * 0.1) + (x < 0.5).float()), rand(3, 4))
