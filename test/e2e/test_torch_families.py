"""The DNNFusion model families (dnnfusion_mlir.model_zoo) through the PyTorch path:
torch.nn.Module -> torch.export -> torch-mlir FX (torch dialect) -> dnnf -> host JIT,
compared with torch eager (max relative error <= 1e-4, `testing.max_rel_error`).

The same CI-sized models as test_model_families.py (which covers the ONNX path), so a
family that passes there but fails here points at the aten converters (importer/torch_ops*).
A family that cannot go through FX for a reason outside our code is listed in XFAIL with
the exact reason, strict, so it is never skipped silently. The second half checks the aten
ops the families brought in (importer/torch_ops_extra.py) one by one, on tiny inputs.

Run with `-s` to see per family: aten ops, kernels, compile and run times, max error.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from torch_case import Fn, rand  # noqa: E402

import dnnfusion_mlir as dnnf  # noqa: E402
from dnnfusion_mlir import model_zoo  # noqa: E402
from dnnfusion_mlir.testing import max_rel_error  # noqa: E402

RTOL = 1e-4
# Compile + run above ~60 s on 2 busy cores: the same families as test_model_families.py.
SLOW = frozenset({"efficientnet_b0", "resnet50", "densenet", "squeezenet"})
# family -> exact reason it cannot pass through torch.export / torch-mlir FX (none today).
XFAIL: dict[str, str] = {}


def _family_params() -> list:
    params = []
    for name in model_zoo.FAMILIES:
        marks = [pytest.mark.slow] if name in SLOW else []
        if name in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[name]))
        params.append(pytest.param(name, marks=marks))
    return params


def compare(module: nn.Module, inputs: tuple, **compile_args: object) -> tuple[float, dict]:
    """Compile `module` on `inputs`, run it, check every output's shape and dtype against
    torch eager; (max relative error over the outputs, compile stats + times)."""
    module.eval()
    with torch.no_grad():
        expected = module(*inputs)
    expected = expected if isinstance(expected, tuple | list) else (expected,)
    start = time.perf_counter()
    compiled = dnnf.compile(module, example_inputs=inputs, **compile_args)
    mid = time.perf_counter()
    got = compiled(*(t.numpy() for t in inputs))
    info = {**compiled.stats, "compile_s": mid - start, "run_s": time.perf_counter() - mid}
    assert len(got) == len(expected)
    errors = []
    for g, e in zip(got, expected, strict=True):
        e = e.numpy()
        assert g.shape == e.shape, f"shape {g.shape} != torch's {e.shape}"
        assert g.dtype == e.dtype, f"dtype {g.dtype} != torch's {e.dtype}"
        errors.append(max_rel_error(g, e))
    return max(errors, default=0.0), info


@pytest.mark.parametrize("name", _family_params())
def test_family_matches_torch(name: str) -> None:
    module, args = model_zoo.build(name)
    err, info = compare(module, args)
    print(f"\n{name}: aten_ops={info['onnx_nodes']} ops_after_import="
          f"{info['ops_after_import']} kernels={info['kernels']} "
          f"compile={info['compile_s']:.1f}s run={info['run_s']:.3f}s max_rel_error={err:.2e}")
    assert err <= RTOL, f"{name}: max relative error {err:.3g} > {RTOL}"


# ---------------------------------------------------------------- the aten ops, one by one
OPS: dict[str, tuple[Callable, dict, tuple[int, ...]]] = {
    "conv_transpose2d": (lambda m, x: m["a"](x) + m["b"](x)[..., :10, :10].sum(1, True),
                         {"a": nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                  output_padding=1),
                          "b": nn.ConvTranspose2d(4, 4, 2, stride=2, groups=2, bias=False,
                                                  dilation=2)},
                         (1, 4, 5, 5)),
    "conv_transpose1d_3d": (lambda m, x: (m["a"](x[None, :, 0]), m["b"](x[None, :, None])),
                            {"a": nn.ConvTranspose1d(4, 3, 3, stride=2),
                             "b": nn.ConvTranspose3d(4, 2, 2, stride=(1, 2, 2),
                                                     padding=(0, 1, 1))},
                            (4, 5, 6)),
    "upsample_nearest": (lambda m, x: (F.interpolate(x, scale_factor=2), F.interpolate(
        x[:, 0], scale_factor=3)), {}, (1, 2, 5, 5)),
    "upsample_nearest_odd": (lambda m, x: F.interpolate(x, size=(7, 13)), {}, (1, 2, 4, 5)),
    "upsample_bilinear": (lambda m, x: F.interpolate(x, scale_factor=2, mode="bilinear")
                          + F.interpolate(x, size=(10, 10), mode="bilinear",
                                          align_corners=True), {}, (1, 2, 5, 5)),
    "upsample_bilinear_size1": (lambda m, x: F.interpolate(x, size=(1, 7), mode="bilinear"),
                                {}, (1, 2, 3, 4)),
    # 4 x 0.7 = 2.8, 5 x 0.7 = 3.5: torch divides by the integer out - 1 (ONNX's reference
    # would take 2.8 - 1 and 3.5 - 1).
    "upsample_bilinear_corners_fractional": (
        lambda m, x: F.interpolate(x, scale_factor=0.7, mode="bilinear", align_corners=True),
        {}, (1, 2, 4, 5)),
    "max_pool3d": (lambda m, x: F.max_pool3d(x, 2) + F.max_pool3d(x, (1, 2, 2), padding=(0, 1, 1)
                                                                  )[..., :2, :3, :3].mean(),
                   {}, (1, 2, 4, 6, 6)),
    "pads": (lambda m, x: (F.pad(x, (1, 2, 0, 1), value=0.5), F.pad(x[0], (2, 1),
             mode="reflect"), F.pad(x, (1, 1, 2, 0), mode="replicate"), F.pad(x, (-1, 1))),
             {}, (1, 2, 4, 5)),
    "compare": (lambda m, x: (x < 0.1).float() + (x > -0.2).float() * 2 + (x <= 0.3).float()
                * 3 + (x >= 0).float() * 4 + (x != x[0]).float() * 5 + (~(x > 0)).float(),
                {}, (3, 4)),
    "logical": (lambda m, x: torch.logical_and(x > 0, x < 1).float()
                + torch.logical_or(x > 1, x < -1).float() * 2
                + torch.logical_xor(x > 0, x < 0.5).float() * 3, {}, (3, 4)),
    "minimum_maximum": (lambda m, x: torch.minimum(x, x.flip(0)) + torch.maximum(x, 0.5 * x)
                        + x.flip((0, 1))[:, 1:].sum(),
                        {}, (3, 4)),
    "sin_cos": (lambda m, x: torch.sin(x) * torch.cos(2 * x), {}, (3, 4)),
    "softplus": (lambda m, x: F.softplus(x * 10) + F.softplus(x, beta=2.0), {}, (3, 4)),
    "gelu_variants": (lambda m, x: m["a"](x) + m["b"](x) - F.gelu(x, approximate="tanh"),
                      {"a": nn.GELU(), "b": nn.GELU(approximate="tanh")}, (3, 4)),
    "channel_shuffle": (lambda m, x: m["a"](x) + x.view(1, 2, 3, 2, 2).transpose(1, 2)
                        .reshape(1, 6, 2, 2), {"a": nn.ChannelShuffle(3)}, (1, 6, 2, 2)),
    "local_response_norm": (lambda m, x: (m["a"](x), F.local_response_norm(x[..., 0], 3)),
                            {"a": nn.LocalResponseNorm(5, 1e-2, 0.75, 2.0)}, (1, 7, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_aten_op(name: str) -> None:
    fn, params, shape = OPS[name]
    torch.manual_seed(0)
    err, _ = compare(Fn(fn, **params), (rand(*shape),))
    assert err <= RTOL, f"{name}: max relative error {err:.3g} > {RTOL}"


def test_embedding_padding_idx() -> None:
    torch.manual_seed(0)
    module = Fn(lambda m, ids: m["e"](ids) * 2, e=nn.Embedding(10, 4, padding_idx=0))
    err, _ = compare(module, (torch.tensor([[0, 3, 9], [1, 0, 0]]),))
    assert err <= RTOL


@pytest.mark.parametrize(("mode", "shape"), [
    ("bicubic", (1, 1, 3, 3)), ("nearest-exact", (1, 1, 3, 3)), ("linear", (1, 2, 3)),
    ("trilinear", (1, 1, 2, 3, 3)), ("nearest", (1, 1, 2, 3, 3))])
def test_upsampling_torch_mlir_lacks_is_an_error(mode: str, shape: tuple[int, ...]) -> None:
    """Up-sampling ops torch-mlir has no op for fail with an UnsupportedOpError naming them."""
    module = Fn(lambda m, x: F.interpolate(x, scale_factor=2, mode=mode))
    with pytest.raises(dnnf.UnsupportedOpError, match=r"op aten\.\w*upsample_\w+"):
        dnnf.compile(module, example_inputs=(rand(*shape),))


def test_circular_pad_is_named() -> None:
    module = Fn(lambda m, x: F.pad(x, (1, 1), mode="circular"))
    with pytest.raises(dnnf.UnsupportedOpError):
        dnnf.compile(module, example_inputs=(rand(1, 2, 4),))


def test_unsupported_mark_is_not_silent() -> None:
    """Every XFAIL entry names a real family and gives a reason."""
    assert set(XFAIL) <= set(model_zoo.FAMILIES)
    assert all(reason.strip() for reason in XFAIL.values())
