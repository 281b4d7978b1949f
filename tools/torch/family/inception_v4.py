"""Inception-v4 (Szegedy et al. 2016, "Inception-v4, Inception-ResNet and the Impact of Residual
Connections", figures 3-9) with the submodule names of timm's `inception_v4`, so its state_dict
keys are timm's: `features.0.conv.weight`, `features.21.branch1_1a.bn.running_mean`,
`last_linear.weight`.  Written here from the paper's figures and timm's module layout.

Every conv is BasicConv2d (no bias, batch norm eps 0.001, ReLU).  Input 3×299×299; 42,679,816
parameters with 1000 classes.

    features.0-2   stem convs         299 → 149 → 147 → 147
    features.3     Mixed3a            max pool ‖ 3×3/2 conv            → 160×73×73
    features.4     Mixed4a            two conv branches, one with 1×7/7×1 → 192×71×71
    features.5     Mixed5a            3×3/2 conv ‖ max pool            → 384×35×35
    features.6-9   4 × Inception-A                                     → 384×35×35
    features.10    Reduction-A (k, l, m, n = 192, 224, 256, 384)       → 1024×17×17
    features.11-17 7 × Inception-B                                     → 1024×17×17
    features.18    Reduction-B                                         → 1536×8×8
    features.19-21 3 × Inception-C (branches split into 1×3 ‖ 3×1)     → 1536×8×8
    global_pool → last_linear (1536 → classes)
"""
from __future__ import annotations

import torch
from torch import nn

from .common import BasicConv2d, Block, Preprocessing, Reference, avg_pool_3x3_exclude_pad, max_pool_3x3_s2

C = BasicConv2d


class Mixed3a(nn.Module):
    """Stem: 3×3/2 max pool and a 3×3/2 conv to 96 side by side (64 → 64 + 96 = 160 channels)."""

    def __init__(self):
        super().__init__()
        self.maxpool = max_pool_3x3_s2()
        self.conv = C(64, 96, 3, stride=2)

    def forward(self, x):
        return torch.cat([self.maxpool(x), self.conv(x)], 1)


class Mixed4a(nn.Module):
    """Stem: 1×1 → 3×3 valid, and 1×1 → 1×7 → 7×1 → 3×3 valid (160 → 96 + 96 = 192 channels)."""

    def __init__(self):
        super().__init__()
        self.branch0 = nn.Sequential(C(160, 64, 1), C(64, 96, 3))
        self.branch1 = nn.Sequential(
            C(160, 64, 1), C(64, 64, (1, 7), padding=(0, 3)), C(64, 64, (7, 1), padding=(3, 0)), C(64, 96, 3)
        )

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x)], 1)


class Mixed5a(nn.Module):
    """Stem: a 3×3/2 conv to 192 and a 3×3/2 max pool side by side (192 → 384 channels)."""

    def __init__(self):
        super().__init__()
        self.conv = C(192, 192, 3, stride=2)
        self.maxpool = max_pool_3x3_s2()

    def forward(self, x):
        return torch.cat([self.conv(x), self.maxpool(x)], 1)


class InceptionA(nn.Module):
    """Figure 4, 35×35: 1×1 96 ‖ 1×1 64 → 3×3 96 ‖ 1×1 64 → 3×3 96 → 3×3 96 ‖ avg pool → 1×1 96."""

    def __init__(self, cin: int = 384):
        super().__init__()
        self.branch0 = C(cin, 96, 1)
        self.branch1 = nn.Sequential(C(cin, 64, 1), C(64, 96, 3, padding=1))
        self.branch2 = nn.Sequential(C(cin, 64, 1), C(64, 96, 3, padding=1), C(96, 96, 3, padding=1))
        self.branch3 = nn.Sequential(avg_pool_3x3_exclude_pad(), C(cin, 96, 1))

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class ReductionA(nn.Module):
    """Figure 7 with k, l, m, n = 192, 224, 256, 384: 3×3/2 conv n ‖ 1×1 k → 3×3 l → 3×3/2 m ‖
    3×3/2 max pool (35 → 17; 384 → 384 + 256 + 384 = 1024 channels)."""

    def __init__(self, cin: int = 384, k: int = 192, l: int = 224, m: int = 256, n: int = 384):  # noqa: E741 (the paper's names)
        super().__init__()
        self.branch0 = C(cin, n, 3, stride=2)
        self.branch1 = nn.Sequential(C(cin, k, 1), C(k, l, 3, padding=1), C(l, m, 3, stride=2))
        self.branch2 = max_pool_3x3_s2()

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class InceptionB(nn.Module):
    """Figure 5, 17×17: 1×1 384 ‖ 1×1 192 → 1×7 224 → 7×1 256 ‖
    1×1 192 → 7×1 192 → 1×7 224 → 7×1 224 → 1×7 256 ‖ avg pool → 1×1 128 (→ 1024 channels)."""

    def __init__(self, cin: int = 1024):
        super().__init__()
        h, v = ((1, 7), (0, 3)), ((7, 1), (3, 0))  # (kernel, padding) of the 1×7 and 7×1 convs
        self.branch0 = C(cin, 384, 1)
        self.branch1 = nn.Sequential(C(cin, 192, 1), C(192, 224, h[0], padding=h[1]), C(224, 256, v[0], padding=v[1]))
        self.branch2 = nn.Sequential(
            C(cin, 192, 1),
            C(192, 192, v[0], padding=v[1]),
            C(192, 224, h[0], padding=h[1]),
            C(224, 224, v[0], padding=v[1]),
            C(224, 256, h[0], padding=h[1]),
        )
        self.branch3 = nn.Sequential(avg_pool_3x3_exclude_pad(), C(cin, 128, 1))

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class ReductionB(nn.Module):
    """Figure 8: 1×1 192 → 3×3/2 192 ‖ 1×1 256 → 1×7 256 → 7×1 320 → 3×3/2 320 ‖ 3×3/2 max pool
    (17 → 8; 1024 → 192 + 320 + 1024 = 1536 channels)."""

    def __init__(self, cin: int = 1024):
        super().__init__()
        self.branch0 = nn.Sequential(C(cin, 192, 1), C(192, 192, 3, stride=2))
        self.branch1 = nn.Sequential(
            C(cin, 256, 1), C(256, 256, (1, 7), padding=(0, 3)), C(256, 320, (7, 1), padding=(3, 0)), C(320, 320, 3, stride=2)
        )
        self.branch2 = max_pool_3x3_s2()

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class InceptionC(nn.Module):
    """Figure 6, 8×8: 1×1 256 ‖ 1×1 384 → (1×3 256 ‖ 3×1 256) ‖
    1×1 384 → 3×1 448 → 1×3 512 → (1×3 256 ‖ 3×1 256) ‖ avg pool → 1×1 256 (→ 1536 channels).

    The two split branches feed one tensor into a 1×3 and a 3×1 conv and concatenate them.
    """

    def __init__(self, cin: int = 1536):
        super().__init__()
        self.branch0 = C(cin, 256, 1)
        self.branch1_0 = C(cin, 384, 1)
        self.branch1_1a = C(384, 256, (1, 3), padding=(0, 1))
        self.branch1_1b = C(384, 256, (3, 1), padding=(1, 0))
        self.branch2_0 = C(cin, 384, 1)
        self.branch2_1 = C(384, 448, (3, 1), padding=(1, 0))
        self.branch2_2 = C(448, 512, (1, 3), padding=(0, 1))
        self.branch2_3a = C(512, 256, (1, 3), padding=(0, 1))
        self.branch2_3b = C(512, 256, (3, 1), padding=(1, 0))
        self.branch3 = nn.Sequential(avg_pool_3x3_exclude_pad(), C(cin, 256, 1))

    def forward(self, x):
        s1 = self.branch1_0(x)
        s2 = self.branch2_2(self.branch2_1(self.branch2_0(x)))
        return torch.cat(
            [
                self.branch0(x),
                torch.cat([self.branch1_1a(s1), self.branch1_1b(s1)], 1),
                torch.cat([self.branch2_3a(s2), self.branch2_3b(s2)], 1),
                self.branch3(x),
            ],
            1,
        )


class InceptionV4(Reference):
    reference = "timm inception_v4 (huggingface/pytorch-image-models timm/models/inception_v4.py)"
    input_size = (3, 299, 299)
    preprocessing = Preprocessing(
        channel_order="RGB",
        value_range=(0.0, 1.0),
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        interpolation="bicubic",
        crop_pct=0.875,
        source="timm default_cfg of inception_v4.tf_in1k (IMAGENET_INCEPTION_MEAN/STD: the [-1, 1] range of the TF weights)",
    )

    def __init__(self, num_classes: int = 1000, in_chans: int = 3):
        super().__init__()
        layers: list[nn.Module] = [
            C(in_chans, 32, 3, stride=2),
            C(32, 32, 3),
            C(32, 64, 3, padding=1),
            Mixed3a(),
            Mixed4a(),
            Mixed5a(),
        ]
        layers += [InceptionA() for _ in range(4)]
        layers += [ReductionA()]
        layers += [InceptionB() for _ in range(7)]
        layers += [ReductionB()]
        layers += [InceptionC() for _ in range(3)]
        self.features = nn.Sequential(*layers)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.last_linear = nn.Linear(1536, num_classes)
        kinds = ["conv"] * 3 + ["stem"] * 3 + ["inception"] * 4 + ["reduction"] + ["inception"] * 7 + ["reduction"] + ["inception"] * 3
        self.blocks = [Block(f"features.{i}", [f"features.{i}"], k, label=type(m).__name__) for i, (m, k) in enumerate(zip(layers, kinds))]
        self.blocks += [Block("global_pool", ["global_pool"], "pool", label="AdaptiveAvgPool2d"), Block("last_linear", ["last_linear"], "linear", label="Linear")]

    def forward(self, x, all_outputs: bool = False):
        for i, layer in enumerate(self.features):
            x = self.tap(f"features.{i}", layer(x))
        x = self.tap("global_pool", self.global_pool(x))
        return {"main": self.tap("last_linear", self.last_linear(torch.flatten(x, 1)))}
