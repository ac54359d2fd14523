"""PyTorch definitions of the vision model families (imported lazily by `model_zoo`).

Small, shape-faithful versions of the networks of the DNNFusion evaluation; weights are
whatever `torch.manual_seed(0)` gives. Widths and input sizes are parameters so the same
definition serves the fast CI test and the full-size import benchmark.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn(c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1,
            act: type[nn.Module] | None = nn.ReLU) -> nn.Sequential:
    """Conv (no bias) + BatchNorm (+ activation), 'same' padding for odd kernels."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups,
                                         bias=False), nn.BatchNorm2d(c_out)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


def _randomize_bn(model: nn.Module) -> nn.Module:
    """Non-trivial BatchNorm statistics, so folding bugs cannot hide behind identity BNs."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d | nn.BatchNorm3d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.1, 0.1)  # type: ignore[union-attr]
                m.running_var.uniform_(0.5, 1.5)  # type: ignore[union-attr]
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    return model.eval()


def _head(c: int, classes: int) -> nn.Sequential:
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 project (+ skip)."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int,
                 act: type[nn.Module] = nn.ReLU6, se: bool = False) -> None:
        super().__init__()
        hidden = c_in * expand
        layers: list[nn.Module] = [conv_bn(c_in, hidden, 1, act=act)] if expand != 1 else []
        layers.append(conv_bn(hidden, hidden, 3, stride, groups=hidden, act=act))
        if se:
            layers.append(SqueezeExcite(hidden, max(1, c_in // 4)))
        layers.append(conv_bn(hidden, c_out, 1, act=None))
        self.body = nn.Sequential(*layers)
        self.skip = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.skip else y


class SqueezeExcite(nn.Module):
    """EfficientNet squeeze-and-excite: global pool, 1x1 reduce + SiLU, 1x1 expand + sigmoid."""

    def __init__(self, c: int, reduced: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(c, reduced, 1)
        self.expand = nn.Conv2d(reduced, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.adaptive_avg_pool2d(x, 1)
        s = torch.sigmoid(self.expand(F.silu(self.reduce(s))))
        return x * s


def _mbconv_net(cfg: list[tuple[int, int, int, int]], width: float, stem: int, last: int,
                act: type[nn.Module], se: bool, classes: int) -> nn.Module:
    """A stack of inverted residuals: cfg rows are (expand, channels, repeats, stride)."""
    c = max(8, int(stem * width))
    layers: list[nn.Module] = [conv_bn(3, c, 3, 2, act=act)]
    for t, ch, n, s in cfg:
        out = max(8, int(ch * width))
        for i in range(n):
            layers.append(InvertedResidual(c, out, s if i == 0 else 1, t, act, se))
            c = out
    c_last = max(16, int(last * width))
    layers += [conv_bn(c, c_last, 1, act=act), _head(c_last, classes)]
    return _randomize_bn(nn.Sequential(*layers))


def mobilenet_v2(width: float = 0.5, classes: int = 100) -> nn.Module:
    """MobileNetV2 (Sandler et al.), ReLU6, width multiplier `width`."""
    cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
           (6, 160, 3, 2), (6, 320, 1, 1)]
    return _mbconv_net(cfg, width, 32, 1280, nn.ReLU6, False, classes)


def efficientnet_b0(width: float = 0.5, classes: int = 100) -> nn.Module:
    """EfficientNet-B0-style: MBConv with SiLU and squeeze-excite (3x3 kernels throughout)."""
    cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 40, 2, 2), (6, 80, 3, 2), (6, 112, 3, 1),
           (6, 192, 4, 2), (6, 320, 1, 1)]
    return _mbconv_net(cfg, width, 32, 1280, nn.SiLU, True, classes)


class Bottleneck(nn.Module):
    """ResNet-50 bottleneck: 1x1 reduce, 3x3 (strided), 1x1 expand x4, projection skip."""

    def __init__(self, c_in: int, mid: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_bn(c_in, mid, 1), conv_bn(mid, mid, 3, stride),
                                  conv_bn(mid, mid * 4, 1, act=None))
        self.proj = (conv_bn(c_in, mid * 4, 1, stride, act=None)
                     if stride != 1 or c_in != mid * 4 else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.proj(x))


def resnet50(width: int = 64, depth: tuple[int, ...] = (3, 4, 6, 3),
             classes: int = 1000) -> nn.Module:
    """ResNet-50 (He et al.): 7x7 stem, max pool, four stages of bottlenecks."""
    layers: list[nn.Module] = [conv_bn(3, width, 7, 2), nn.MaxPool2d(3, 2, 1)]
    c = width
    for i, n in enumerate(depth):
        mid = width * 2 ** i
        for j in range(n):
            layers.append(Bottleneck(c, mid, 2 if j == 0 and i > 0 else 1))
            c = mid * 4
    layers.append(_head(c, classes))
    return _randomize_bn(nn.Sequential(*layers))


def vgg16(width: int = 16, classes: int = 100) -> nn.Module:
    """VGG-16 (13 3x3 convs in five pooled stages, three FC layers), channels / (64/width)."""
    layers: list[nn.Module] = []
    c = 3
    for mult, n in ((1, 2), (2, 2), (4, 3), (8, 3), (8, 3)):
        for _ in range(n):
            layers += [nn.Conv2d(c, width * mult, 3, padding=1), nn.ReLU()]
            c = width * mult
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.LazyLinear(width * 16), nn.ReLU(), nn.Dropout(),
               nn.Linear(width * 16, width * 16), nn.ReLU(), nn.Linear(width * 16, classes)]
    return nn.Sequential(*layers).eval()


class UNet(nn.Module):
    """Three-level U-Net: ConvTranspose up-sampling on one level, bilinear Resize on the
    other, skip connections by Concat."""

    def __init__(self, c: int = 16, classes: int = 2) -> None:
        super().__init__()

        def block(a: int, b: int) -> nn.Sequential:
            return nn.Sequential(conv_bn(a, b, 3), conv_bn(b, b, 3))

        self.enc1, self.enc2, self.mid = block(3, c), block(c, 2 * c), block(2 * c, 4 * c)
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.dec2 = block(4 * c, 2 * c)
        self.dec1 = block(3 * c, c)
        self.out = nn.Conv2d(c, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(m), e2], dim=1))
        up1 = F.interpolate(d2, scale_factor=2.0, mode="bilinear", align_corners=False)
        return self.out(self.dec1(torch.cat([up1, e1], dim=1)))


def unet(c: int = 16) -> nn.Module:
    """A U-Net with `c` channels at the top level."""
    return _randomize_bn(UNet(c))


def c3d(width: int = 16, classes: int = 10) -> nn.Module:
    """C3D-style video CNN: 3x3x3 Conv3d + ReLU, MaxPool3d (first pool spatial only)."""
    layers: list[nn.Module] = []
    c = 3
    for i, mult in enumerate((1, 2, 4, 4)):
        layers += [nn.Conv3d(c, width * mult, 3, padding=1), nn.ReLU(),
                   nn.MaxPool3d((1, 2, 2) if i == 0 else 2)]
        c = width * mult
    layers += [nn.Flatten(), nn.LazyLinear(64), nn.ReLU(), nn.Linear(64, classes)]
    return nn.Sequential(*layers).eval()
