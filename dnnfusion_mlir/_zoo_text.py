"""PyTorch definitions of the transformer families (imported lazily by `model_zoo`):
BERT-base encoder, DistilBERT, ALBERT (shared layer weights), MobileBERT-style bottleneck
layers and a GPT-2-small decoder (causal mask, tanh GELU). Written out by hand, as the
reference implementations do, so the exported graphs are the familiar MatMul / Softmax /
LayerNorm patterns; token ids in, hidden states (or logits) out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Config:
    """Sizes of one transformer stack."""

    vocab: int = 1000
    hidden: int = 768
    heads: int = 12
    ffn: int = 3072
    layers: int = 12
    seq: int = 128
    embed: int = 0  # ALBERT's factorised embedding size (0: same as hidden)
    gelu: str = "none"  # "none": erf GELU (BERT), "tanh": GPT-2's approximation


class Attention(nn.Module):
    """Multi-head self-attention; `causal` masks future positions (GPT-2)."""

    def __init__(self, hidden: int, heads: int, causal: bool = False) -> None:
        super().__init__()
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (y.view(b, t, self.heads, c // self.heads).transpose(1, 2) for y in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(c // self.heads)
        if self.causal:
            pos = torch.arange(t, device=x.device)
            future = pos[None, :] > pos[:, None]
            scores = scores.masked_fill(future, float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class EncoderLayer(nn.Module):
    """Post-norm BERT layer: attention + residual + LayerNorm, FFN + residual + LayerNorm."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.attn = Attention(cfg.hidden, cfg.heads)
        self.ln1, self.ln2 = nn.LayerNorm(cfg.hidden, eps=1e-12), nn.LayerNorm(cfg.hidden)
        self.ff1, self.ff2 = nn.Linear(cfg.hidden, cfg.ffn), nn.Linear(cfg.ffn, cfg.hidden)
        self.gelu = nn.GELU(approximate=cfg.gelu)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.ln1(x + self.attn(x))
        return self.ln2(x + self.ff2(self.gelu(self.ff1(x))))


class Encoder(nn.Module):
    """Embeddings (token + position, LayerNorm) and a stack of encoder layers; with
    `shared` (ALBERT) one layer's weights serve every position in the stack."""

    def __init__(self, cfg: Config, shared: bool = False) -> None:
        super().__init__()
        self.cfg = cfg
        embed = cfg.embed or cfg.hidden
        self.tok, self.pos = nn.Embedding(cfg.vocab, embed), nn.Embedding(cfg.seq, embed)
        self.ln = nn.LayerNorm(embed)
        self.map = nn.Linear(embed, cfg.hidden) if embed != cfg.hidden else nn.Identity()
        count = 1 if shared else cfg.layers
        self.layers = nn.ModuleList(EncoderLayer(cfg) for _ in range(count))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.map(self.ln(self.tok(ids) + self.pos(pos)[None]))
        for i in range(self.cfg.layers):
            x = self.layers[i % len(self.layers)](x)
        return x


class NoNorm(nn.Module):
    """MobileBERT's NoNorm: an element-wise affine map in place of LayerNorm."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(c) + 0.5)
        self.bias = nn.Parameter(torch.rand(c) - 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight + self.bias


class MobileBertLayer(nn.Module):
    """MobileBERT bottleneck layer: project 512 -> 128, attention and stacked FFNs at 128
    (NoNorm, ReLU), project back to 512 with a residual."""

    def __init__(self, hidden: int = 512, inner: int = 128, heads: int = 4,
                 ffn: int = 512, stacks: int = 4) -> None:
        super().__init__()
        self.down = nn.Linear(hidden, inner)
        self.attn = Attention(inner, heads)
        self.norms = nn.ModuleList(NoNorm(inner) for _ in range(stacks + 1))
        self.ffns = nn.ModuleList(nn.Sequential(nn.Linear(inner, ffn), nn.ReLU(),
                                                nn.Linear(ffn, inner)) for _ in range(stacks))
        self.up, self.out_norm = nn.Linear(inner, hidden), NoNorm(hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.down(x)
        h = self.norms[0](h + self.attn(h))
        for ffn, norm in zip(self.ffns, self.norms[1:], strict=True):
            h = norm(h + ffn(h))
        return self.out_norm(x + self.up(h))


class MobileBert(nn.Module):
    """Token embedding (128) mapped to 512 channels, then MobileBERT bottleneck layers."""

    def __init__(self, layers: int = 4, vocab: int = 1000, seq: int = 128) -> None:
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, 128), nn.Embedding(seq, 512)
        self.map = nn.Linear(128, 512)
        self.layers = nn.Sequential(*(MobileBertLayer() for _ in range(layers)))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        return self.layers(self.map(self.tok(ids)) + self.pos(pos)[None])


class DecoderLayer(nn.Module):
    """Pre-norm GPT-2 block: causal attention and a tanh-GELU MLP, both residual."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.hidden), nn.LayerNorm(cfg.hidden)
        self.attn = Attention(cfg.hidden, cfg.heads, causal=True)
        self.mlp = nn.Sequential(nn.Linear(cfg.hidden, cfg.ffn), nn.GELU(approximate="tanh"),
                                 nn.Linear(cfg.ffn, cfg.hidden))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class Gpt2(nn.Module):
    """GPT-2: token + position embeddings, decoder blocks, final LayerNorm, tied LM head."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.tok, self.pos = nn.Embedding(cfg.vocab, cfg.hidden), nn.Embedding(cfg.seq,
                                                                               cfg.hidden)
        self.blocks = nn.Sequential(*(DecoderLayer(cfg) for _ in range(cfg.layers)))
        self.ln = nn.LayerNorm(cfg.hidden)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.ln(self.blocks(self.tok(ids) + self.pos(pos)[None]))
        return x @ self.tok.weight.t()


def bert(layers: int = 12) -> nn.Module:
    """BERT-base encoder: 768 hidden, 12 heads, FFN 3072, seq 128."""
    return Encoder(Config(layers=layers)).eval()


def distilbert(layers: int = 6) -> nn.Module:
    """DistilBERT: BERT-base layers, half the depth (6), no token-type embedding."""
    return Encoder(Config(layers=layers)).eval()


def albert(layers: int = 12) -> nn.Module:
    """ALBERT-base: factorised 128-wide embedding, one layer's weights shared by all layers."""
    return Encoder(Config(layers=layers, embed=128), shared=True).eval()


def mobilebert(layers: int = 4) -> nn.Module:
    """MobileBERT-style: bottleneck layers (512 <-> 128), NoNorm, four stacked FFNs."""
    return MobileBert(layers).eval()


def gpt2(layers: int = 12) -> nn.Module:
    """GPT-2 small: 768 hidden, 12 heads, causal mask, tanh GELU."""
    return Gpt2(Config(layers=layers, gelu="tanh")).eval()
