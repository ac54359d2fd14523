"""Shared helpers for the PyTorch-path tests (imported after `pytest.importorskip("torch")`)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class Fn(nn.Module):
    """A module whose forward is `fn` (and whose parameters are `params`)."""

    def __init__(self, fn: Callable, **params: nn.Module) -> None:
        super().__init__()
        self.fn = fn
        self.sub = nn.ModuleDict(params)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.fn(self.sub, *xs)


def rand(*shape: int) -> torch.Tensor:
    """A seeded standard-normal tensor of `shape`."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape)))
