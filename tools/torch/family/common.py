"""Pieces shared by the family references: the conv → batch norm → ReLU block of the TF-slim
ports (timm's v4 and Inception-ResNet), the residual tail of an Inception-ResNet block, and the
`Reference` base class that lets tools/torch/make_family_golden.py measure every network the same
way.

A reference is an ordinary nn.Module whose attribute names give the reference library's
state_dict keys.  On top of that it declares its *blocks*: the module-level view the explorer
shows as nodes (a stem conv, an Inception module, a pool, the classifier), each with the
attributes it owns, and its forward reports each block's output through `self.tap(name, x)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn


class BasicConv2d(nn.Module):
    """Conv2d without bias → BatchNorm2d → ReLU, the `conv_block` of timm's inception_v4 and
    inception_resnet_v2 (keys `<name>.conv.weight`, `<name>.bn.running_mean`, …).

    kernel, stride and padding are an int or an (h, w) pair, as nn.Conv2d takes them.
    """

    def __init__(self, cin: int, cout: int, kernel, stride=1, padding=0, eps: float = 1e-3):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=eps)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


def avg_pool_3x3_exclude_pad() -> nn.AvgPool2d:
    """The 3×3 stride-1 average pool inside timm's Inception modules: padding 1 that is not
    counted in the divisor (count_include_pad=False), so border outputs average fewer cells."""
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


def max_pool_3x3_s2() -> nn.MaxPool2d:
    """The unpadded 3×3 stride-2 max pool (floor mode) of the v4 / Inception-ResNet stems and grid
    reductions: 147 → 73, 71 → 35, 35 → 17, 17 → 8."""
    return nn.MaxPool2d(3, stride=2)


@dataclass
class Block:
    """One node of the module-level view.

    name: the node's id (timm's submodule path where there is one, e.g. `features.7`,
    `repeat_1.19`; otherwise the reference's own layer prefix, e.g. `inception_3a`).
    owns: the attribute paths of the layers it owns; a state_dict key belongs to the block when it
    equals one of them or continues it with `.` (so `conv2_3x3` does not own `conv2_3x3_reduce`).
    kind: a short word for the block's role (conv, inception, reduction, residual, pool, …).
    aux: whether the block is on an auxiliary head (absent from the eval path).
    """

    name: str
    owns: list[str]
    kind: str
    aux: bool = False
    label: str = ""


@dataclass
class Preprocessing:
    """How the reference's trained weights expect a photo: resize the shorter side to
    input/crop_pct with `interpolation`, center-crop to the input size, put channels in
    `channel_order`, scale to `value_range`, subtract `mean` and divide by `std` (per channel, in
    that channel order)."""

    channel_order: str
    value_range: tuple[float, float]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str
    crop_pct: float
    source: str
    note: str = ""

    def as_json(self) -> dict:
        out = {
            "channelOrder": self.channel_order,
            "range": list(self.value_range),
            "mean": list(self.mean),
            "std": list(self.std),
            "interpolation": self.interpolation,
            "cropPct": self.crop_pct,
            "source": self.source,
        }
        if self.note:
            out["note"] = self.note
        return out


class Reference(nn.Module):
    """Base class of the family references.

    Subclasses set `blocks` (execution order) and call `self.tap(block name, tensor)` in forward
    for each block output.  forward(x) returns {"main": logits} in eval mode and also the aux
    heads' logits ("aux1", "aux2") in train mode when the network has them; `all_outputs=True`
    runs the aux heads in eval mode too (for measuring them).
    """

    blocks: list[Block]
    input_size: tuple[int, int, int]
    preprocessing: Preprocessing
    reference: str

    def __init__(self) -> None:
        super().__init__()
        self._tap_hook: Callable[[str, torch.Tensor], None] | None = None

    def tap(self, name: str, x: torch.Tensor) -> torch.Tensor:
        if self._tap_hook is not None:
            self._tap_hook(name, x)
        return x

    def run_aux(self, all_outputs: bool) -> bool:
        return self.training or all_outputs

    def block_of(self, qualified: str) -> str | None:
        """The block owning a layer or state_dict key (by its qualified name), or None."""
        for b in self.blocks:
            for own in b.owns:
                if qualified == own or qualified.startswith(own + "."):
                    return b.name
        return None


def residual_join(branches: torch.Tensor, x: torch.Tensor, conv2d: nn.Conv2d, scale: float, relu: nn.Module | None) -> torch.Tensor:
    """concat(branches) → conv2d → × scale → + x → ReLU (unless relu is None)."""
    out = conv2d(branches) * scale + x
    return relu(out) if relu is not None else out
