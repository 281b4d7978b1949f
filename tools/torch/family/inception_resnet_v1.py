"""Inception-ResNet-v1 as the paper describes it (Szegedy et al. 2016, arXiv 1602.07261: the
stem of figure 14, 5 × Inception-ResNet-A of figure 10, Reduction-A of figure 7 with
k, l, m, n = 192, 192, 256, 384, 10 × Inception-ResNet-B of figure 11, Reduction-B of figure 12,
5 × Inception-ResNet-C of figure 13, and the head of figure 15), with a 1000-class linear head.

There is no reference library for it; where the paper leaves room this reference chooses:
- names as timm's inception_resnet_v2 (`conv2d_1a`, `repeat.4`, `mixed_6a`, `repeat_1.9`,
  `mixed_7a`, `repeat_2.4`, `classif`), so v1 and v2 read side by side;
- conv → batch norm (eps 0.001, no conv bias) → ReLU for every conv outside the residual sums (the
  paper: batch norm "on top of the traditional layers, but not on top of the summations"), as in
  v2; each residual block's 1×1 projection ("1×1 Conv (… Linear)") has a bias, no batch norm and
  no activation;
- residual scales 0.17 (A), 0.10 (B), 0.20 (C), the values of the published v2 (the paper, 3.3:
  "between 0.1 and 0.3");
- every residual block ends with ReLU after the sum, as figures 10, 11 and 13 draw it (no
  un-activated last block as v2 has);
- head: global average pool over 8×8 → dropout (keep 0.8, p = 0.2) → linear 1792 → 1000.
Input 3×299×299.

    conv2d_1a 3×3/2 32 V, conv2d_2a 3×3 32 V, conv2d_2b 3×3 64, maxpool_3a 3×3/2 V,
    conv2d_3b 1×1 80, conv2d_4a 3×3 192 V, conv2d_4b 3×3/2 256 V        → 256×35×35
    repeat.0-4     5 × Block35                                          → 256×35×35
    mixed_6a       Reduction-A                                          → 896×17×17
    repeat_1.0-9   10 × Block17                                         → 896×17×17
    mixed_7a       Reduction-B                                          → 1792×8×8
    repeat_2.0-4   5 × Block8                                           → 1792×8×8
    global_pool → dropout → classif
"""
from __future__ import annotations

import torch
from torch import nn

from .common import BasicConv2d, Preprocessing, Reference, max_pool_3x3_s2, residual_join
from .inception_resnet_v2 import _blocks_of, run_blocks

C = BasicConv2d


class Block35(nn.Module):
    """Figure 10, 35×35×256: 1×1 32 ‖ 1×1 32 → 3×3 32 ‖ 1×1 32 → 3×3 32 → 3×3 32,
    concat 96 → 1×1 256 → × scale → + input → ReLU."""

    def __init__(self, scale: float = 0.17, cin: int = 256):
        super().__init__()
        self.scale = scale
        self.branch0 = C(cin, 32, 1)
        self.branch1 = nn.Sequential(C(cin, 32, 1), C(32, 32, 3, padding=1))
        self.branch2 = nn.Sequential(C(cin, 32, 1), C(32, 32, 3, padding=1), C(32, 32, 3, padding=1))
        self.conv2d = nn.Conv2d(96, cin, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)
        return residual_join(out, x, self.conv2d, self.scale, self.relu)


class Mixed6a(nn.Module):
    """Figure 7 with k, l, m, n = 192, 192, 256, 384: 3×3/2 384 V ‖ 1×1 192 → 3×3 192 → 3×3/2 256 V ‖
    3×3/2 max pool V (35 → 17; 256 → 384 + 256 + 256 = 896)."""

    def __init__(self, cin: int = 256):
        super().__init__()
        self.branch0 = C(cin, 384, 3, stride=2)
        self.branch1 = nn.Sequential(C(cin, 192, 1), C(192, 192, 3, padding=1), C(192, 256, 3, stride=2))
        self.branch2 = max_pool_3x3_s2()

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class Block17(nn.Module):
    """Figure 11, 17×17×896: 1×1 128 ‖ 1×1 128 → 1×7 128 → 7×1 128, concat 256 → 1×1 896 → residual."""

    def __init__(self, scale: float = 0.10, cin: int = 896):
        super().__init__()
        self.scale = scale
        self.branch0 = C(cin, 128, 1)
        self.branch1 = nn.Sequential(C(cin, 128, 1), C(128, 128, (1, 7), padding=(0, 3)), C(128, 128, (7, 1), padding=(3, 0)))
        self.conv2d = nn.Conv2d(256, cin, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = torch.cat([self.branch0(x), self.branch1(x)], 1)
        return residual_join(out, x, self.conv2d, self.scale, self.relu)


class Mixed7a(nn.Module):
    """Figure 12: 1×1 256 → 3×3/2 384 V ‖ 1×1 256 → 3×3/2 256 V ‖ 1×1 256 → 3×3 256 → 3×3/2 256 V ‖
    3×3/2 max pool V (17 → 8; 896 → 384 + 256 + 256 + 896 = 1792)."""

    def __init__(self, cin: int = 896):
        super().__init__()
        self.branch0 = nn.Sequential(C(cin, 256, 1), C(256, 384, 3, stride=2))
        self.branch1 = nn.Sequential(C(cin, 256, 1), C(256, 256, 3, stride=2))
        self.branch2 = nn.Sequential(C(cin, 256, 1), C(256, 256, 3, padding=1), C(256, 256, 3, stride=2))
        self.branch3 = max_pool_3x3_s2()

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class Block8(nn.Module):
    """Figure 13, 8×8×1792: 1×1 192 ‖ 1×1 192 → 1×3 192 → 3×1 192, concat 384 → 1×1 1792 → residual."""

    def __init__(self, scale: float = 0.20, cin: int = 1792):
        super().__init__()
        self.scale = scale
        self.branch0 = C(cin, 192, 1)
        self.branch1 = nn.Sequential(C(cin, 192, 1), C(192, 192, (1, 3), padding=(0, 1)), C(192, 192, (3, 1), padding=(1, 0)))
        self.conv2d = nn.Conv2d(384, cin, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = torch.cat([self.branch0(x), self.branch1(x)], 1)
        return residual_join(out, x, self.conv2d, self.scale, self.relu)


class InceptionResNetV1(Reference):
    reference = "the paper: Szegedy et al. 2016, arXiv 1602.07261, figures 14, 10, 7, 11, 12, 13 and 15 (this reference's own choices in its docstring)"
    input_size = (3, 299, 299)
    preprocessing = Preprocessing(
        channel_order="RGB",
        value_range=(0.0, 1.0),
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        interpolation="bicubic",
        crop_pct=0.875,
        source="no published weights; the [-1, 1] input of the paper's TensorFlow Inception family (as timm's v4 and IRv2)",
    )

    def __init__(self, num_classes: int = 1000, in_chans: int = 3):
        super().__init__()
        self.conv2d_1a = C(in_chans, 32, 3, stride=2)
        self.conv2d_2a = C(32, 32, 3)
        self.conv2d_2b = C(32, 64, 3, padding=1)
        self.maxpool_3a = max_pool_3x3_s2()
        self.conv2d_3b = C(64, 80, 1)
        self.conv2d_4a = C(80, 192, 3)
        self.conv2d_4b = C(192, 256, 3, stride=2)
        self.repeat = nn.Sequential(*[Block35(0.17) for _ in range(5)])
        self.mixed_6a = Mixed6a()
        self.repeat_1 = nn.Sequential(*[Block17(0.10) for _ in range(10)])
        self.mixed_7a = Mixed7a()
        self.repeat_2 = nn.Sequential(*[Block8(0.20) for _ in range(5)])
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.classif = nn.Linear(1792, num_classes)
        self.blocks = _blocks_of(self, {"repeat": "residual", "repeat_1": "residual", "repeat_2": "residual"})

    def forward(self, x, all_outputs: bool = False):
        return run_blocks(self, x)
