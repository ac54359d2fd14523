"""PyTorch definitions of the classic ImageNet CNNs (imported lazily by `model_zoo`):
AlexNet (LRN), Inception (branch concat), DenseNet (dense concat), ShuffleNet (channel
shuffle), SqueezeNet (fire modules), and a lone LRN layer. Reduced widths, random weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dnnfusion_mlir._zoo_vision import _head, _randomize_bn, conv_bn


class _LrnFunction(torch.autograd.Function):
    """F.local_response_norm in eager mode, one ONNX LRN node when exported (the
    TorchScript exporter would otherwise trace its Python decomposition, with an If)."""

    @staticmethod
    def forward(ctx: object, x: torch.Tensor, size: int, alpha: float, beta: float,
                k: float) -> torch.Tensor:
        return F.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g: object, x: object, size: int, alpha: float, beta: float,
                 k: float) -> object:
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)  # type: ignore[attr-defined]


class LRN(nn.LocalResponseNorm):
    """nn.LocalResponseNorm that exports as the ONNX LRN op, as classic AlexNet models have."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _LrnFunction.apply(x, self.size, self.alpha, self.beta, self.k)


def alexnet(width: int = 16, classes: int = 100) -> nn.Module:
    """AlexNet (Krizhevsky et al.) with its LocalResponseNorm layers; channels / (64/width)."""
    w = width
    return nn.Sequential(
        nn.Conv2d(3, w, 11, 4, 2), nn.ReLU(), LRN(5, 1e-4, 0.75, 2.0),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(w, 3 * w, 5, padding=2), nn.ReLU(), LRN(5, 1e-4, 0.75, 2.0),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(3 * w, 6 * w, 3, padding=1), nn.ReLU(),
        nn.Conv2d(6 * w, 4 * w, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4 * w, 4 * w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Dropout(), nn.LazyLinear(8 * w), nn.ReLU(),
        nn.Linear(8 * w, classes),
    ).eval()


class InceptionBlock(nn.Module):
    """GoogLeNet inception module: 1x1 / 1x1-3x3 / 1x1-5x5 / maxpool-1x1 branches, concat."""

    def __init__(self, c_in: int, b1: int, b3: int, b5: int, bp: int) -> None:
        super().__init__()
        self.b1 = conv_bn(c_in, b1, 1)
        self.b3 = nn.Sequential(conv_bn(c_in, b3 // 2, 1), conv_bn(b3 // 2, b3, 3))
        self.b5 = nn.Sequential(conv_bn(c_in, b5 // 2, 1), conv_bn(b5 // 2, b5, 5))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), conv_bn(c_in, bp, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], dim=1)


def inception(width: int = 8, classes: int = 100) -> nn.Module:
    """An Inception-v1-style stack: stem, three inception modules, head."""
    w = width
    layers = [conv_bn(3, 2 * w, 7, 2), nn.MaxPool2d(3, 2, 1), conv_bn(2 * w, 4 * w, 3),
              InceptionBlock(4 * w, 2 * w, 4 * w, w, w), nn.MaxPool2d(3, 2, 1),
              InceptionBlock(8 * w, 4 * w, 6 * w, 2 * w, 2 * w),
              InceptionBlock(14 * w, 4 * w, 6 * w, 2 * w, 2 * w), _head(14 * w, classes)]
    return _randomize_bn(nn.Sequential(*layers))


class DenseLayer(nn.Module):
    """DenseNet layer: BN-ReLU-1x1, BN-ReLU-3x3, output concatenated onto the input."""

    def __init__(self, c_in: int, growth: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(),
                                  nn.Conv2d(c_in, 4 * growth, 1, bias=False),
                                  nn.BatchNorm2d(4 * growth), nn.ReLU(),
                                  nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], dim=1)


def densenet(growth: int = 8, blocks: tuple[int, ...] = (3, 3, 3), classes: int = 100
             ) -> nn.Module:
    """DenseNet-style: dense blocks joined by BN-ReLU-1x1-AvgPool transitions."""
    c = 2 * growth
    layers: list[nn.Module] = [conv_bn(3, c, 3, 2)]
    for i, n in enumerate(blocks):
        for _ in range(n):
            layers.append(DenseLayer(c, growth))
            c += growth
        if i + 1 < len(blocks):
            layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False),
                       nn.AvgPool2d(2)]
            c //= 2
    layers += [nn.BatchNorm2d(c), nn.ReLU(), _head(c, classes)]
    return _randomize_bn(nn.Sequential(*layers))


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet channel shuffle: reshape to (g, c/g), transpose, flatten back."""
    n, c, h, w = x.shape
    x = x.view(n, groups, c // groups, h, w).transpose(1, 2)
    return x.reshape(n, c, h, w)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2 unit: split channels, transform one half, concat, shuffle."""

    def __init__(self, c: int) -> None:
        super().__init__()
        h = c // 2
        self.branch = nn.Sequential(conv_bn(h, h, 1), conv_bn(h, h, 3, groups=h, act=None),
                                    conv_bn(h, h, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x.chunk(2, dim=1)
        return channel_shuffle(torch.cat([a, self.branch(b)], dim=1), 2)


def shufflenet(width: int = 32, units: int = 4, classes: int = 100) -> nn.Module:
    """ShuffleNetV2-style: stem, strided conv, shuffle units, head."""
    layers: list[nn.Module] = [conv_bn(3, width, 3, 2), nn.MaxPool2d(3, 2, 1)]
    layers += [ShuffleUnit(width) for _ in range(units)]
    layers += [conv_bn(width, 2 * width, 3, 2), *[ShuffleUnit(2 * width) for _ in range(units)]]
    layers.append(_head(2 * width, classes))
    return _randomize_bn(nn.Sequential(*layers))


class Fire(nn.Module):
    """SqueezeNet fire module: 1x1 squeeze, then 1x1 and 3x3 expands concatenated."""

    def __init__(self, c_in: int, s: int, e: int) -> None:
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(c_in, s, 1), nn.ReLU())
        self.e1 = nn.Sequential(nn.Conv2d(s, e, 1), nn.ReLU())
        self.e3 = nn.Sequential(nn.Conv2d(s, e, 3, padding=1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.squeeze(x)
        return torch.cat([self.e1(s), self.e3(s)], dim=1)


def squeezenet(classes: int = 100) -> nn.Module:
    """SqueezeNet 1.1: ceil-mode max pools between fire modules, conv classifier."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 2), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(64, 16, 64), Fire(128, 16, 64), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(128, 32, 128), Fire(256, 32, 128), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(256, 48, 192), Fire(384, 64, 256),
        nn.Dropout(), nn.Conv2d(512, classes, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    ).eval()


def lrn(size: int = 5) -> nn.Module:
    """A lone LocalResponseNorm layer (AlexNet's constants)."""
    return LRN(size, 1e-4, 0.75, 2.0).eval()
