"""Inception-ResNet-v2 (Szegedy et al. 2016, figures 3, 16-18, 7, 19) with the submodule names of
timm's `inception_resnet_v2`, so its state_dict keys are timm's (`conv2d_1a.conv.weight`,
`repeat_1.19.conv2d.weight`, `block8.branch1.2.bn.running_var`, `classif.bias`).  Written here
from the paper's figures and timm's module layout.

Convs are BasicConv2d (no bias, batch norm eps 0.001, ReLU) except each residual block's 1×1
projection `conv2d`, which has a bias and no batch norm.  A residual block computes
concat(branches) → conv2d → × scale → + input → ReLU; the final `block8` has scale 1.0 and no
ReLU.  Input 3×299×299; 55,843,464 parameters with 1000 classes.

    conv2d_1a/2a/2b, maxpool_3a, conv2d_3b/4a, maxpool_5a   stem          → 192×35×35
    mixed_5b                                                Inception-A-like module → 320×35×35
    repeat.0-9       10 × Block35 (scale 0.17)                            → 320×35×35
    mixed_6a         Reduction-A (k, l, m, n = 256, 256, 384, 384)        → 1088×17×17
    repeat_1.0-19    20 × Block17 (scale 0.10)                            → 1088×17×17
    mixed_7a         Reduction-B                                          → 2080×8×8
    repeat_2.0-8     9 × Block8 (scale 0.20), then block8 (scale 1.0, no ReLU)
    conv2d_7b        1×1 conv to 1536 → global_pool → classif (1536 → classes)
"""
from __future__ import annotations

import torch
from torch import nn

from .common import BasicConv2d, Block, Preprocessing, Reference, avg_pool_3x3_exclude_pad, max_pool_3x3_s2, residual_join

C = BasicConv2d


class Mixed5b(nn.Module):
    """1×1 96 ‖ 1×1 48 → 5×5 64 ‖ 1×1 64 → 3×3 96 → 3×3 96 ‖ avg pool → 1×1 64 (192 → 320)."""

    def __init__(self, cin: int = 192):
        super().__init__()
        self.branch0 = C(cin, 96, 1)
        self.branch1 = nn.Sequential(C(cin, 48, 1), C(48, 64, 5, padding=2))
        self.branch2 = nn.Sequential(C(cin, 64, 1), C(64, 96, 3, padding=1), C(96, 96, 3, padding=1))
        self.branch3 = nn.Sequential(avg_pool_3x3_exclude_pad(), C(cin, 64, 1))

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class Block35(nn.Module):
    """Figure 16 (Inception-ResNet-A), 35×35×320: 1×1 32 ‖ 1×1 32 → 3×3 32 ‖ 1×1 32 → 3×3 48 → 3×3 64,
    concat 128 → 1×1 320 → residual."""

    def __init__(self, scale: float = 0.17, cin: int = 320):
        super().__init__()
        self.scale = scale
        self.branch0 = C(cin, 32, 1)
        self.branch1 = nn.Sequential(C(cin, 32, 1), C(32, 32, 3, padding=1))
        self.branch2 = nn.Sequential(C(cin, 32, 1), C(32, 48, 3, padding=1), C(48, 64, 3, padding=1))
        self.conv2d = nn.Conv2d(128, cin, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)
        return residual_join(out, x, self.conv2d, self.scale, self.relu)


class Mixed6a(nn.Module):
    """Reduction-A with k, l, m, n = 256, 256, 384, 384 (35 → 17; 320 → 384 + 384 + 320 = 1088)."""

    def __init__(self, cin: int = 320):
        super().__init__()
        self.branch0 = C(cin, 384, 3, stride=2)
        self.branch1 = nn.Sequential(C(cin, 256, 1), C(256, 256, 3, padding=1), C(256, 384, 3, stride=2))
        self.branch2 = max_pool_3x3_s2()

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class Block17(nn.Module):
    """Figure 17 (Inception-ResNet-B), 17×17×1088: 1×1 192 ‖ 1×1 128 → 1×7 160 → 7×1 192,
    concat 384 → 1×1 1088 → residual."""

    def __init__(self, scale: float = 0.10, cin: int = 1088):
        super().__init__()
        self.scale = scale
        self.branch0 = C(cin, 192, 1)
        self.branch1 = nn.Sequential(C(cin, 128, 1), C(128, 160, (1, 7), padding=(0, 3)), C(160, 192, (7, 1), padding=(3, 0)))
        self.conv2d = nn.Conv2d(384, cin, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = torch.cat([self.branch0(x), self.branch1(x)], 1)
        return residual_join(out, x, self.conv2d, self.scale, self.relu)


class Mixed7a(nn.Module):
    """Figure 18 (Reduction-B): 1×1 256 → 3×3/2 384 ‖ 1×1 256 → 3×3/2 288 ‖
    1×1 256 → 3×3 288 → 3×3/2 320 ‖ 3×3/2 max pool (17 → 8; 1088 → 384 + 288 + 320 + 1088 = 2080)."""

    def __init__(self, cin: int = 1088):
        super().__init__()
        self.branch0 = nn.Sequential(C(cin, 256, 1), C(256, 384, 3, stride=2))
        self.branch1 = nn.Sequential(C(cin, 256, 1), C(256, 288, 3, stride=2))
        self.branch2 = nn.Sequential(C(cin, 256, 1), C(256, 288, 3, padding=1), C(288, 320, 3, stride=2))
        self.branch3 = max_pool_3x3_s2()

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class Block8(nn.Module):
    """Figure 19 (Inception-ResNet-C), 8×8×2080: 1×1 192 ‖ 1×1 192 → 1×3 224 → 3×1 256,
    concat 448 → 1×1 2080 → residual (no ReLU when no_relu)."""

    def __init__(self, scale: float = 0.20, no_relu: bool = False, cin: int = 2080):
        super().__init__()
        self.scale = scale
        self.branch0 = C(cin, 192, 1)
        self.branch1 = nn.Sequential(C(cin, 192, 1), C(192, 224, (1, 3), padding=(0, 1)), C(224, 256, (3, 1), padding=(1, 0)))
        self.conv2d = nn.Conv2d(448, cin, 1)
        self.relu = None if no_relu else nn.ReLU()

    def forward(self, x):
        out = torch.cat([self.branch0(x), self.branch1(x)], 1)
        return residual_join(out, x, self.conv2d, self.scale, self.relu)


class InceptionResNetV2(Reference):
    reference = "timm inception_resnet_v2 (huggingface/pytorch-image-models timm/models/inception_resnet_v2.py)"
    input_size = (3, 299, 299)
    preprocessing = Preprocessing(
        channel_order="RGB",
        value_range=(0.0, 1.0),
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        interpolation="bicubic",
        crop_pct=0.8975,
        source="timm default_cfg of inception_resnet_v2.tf_in1k (IMAGENET_INCEPTION_MEAN/STD: the [-1, 1] range of the TF weights)",
    )

    def __init__(self, num_classes: int = 1000, in_chans: int = 3):
        super().__init__()
        self.conv2d_1a = C(in_chans, 32, 3, stride=2)
        self.conv2d_2a = C(32, 32, 3)
        self.conv2d_2b = C(32, 64, 3, padding=1)
        self.maxpool_3a = max_pool_3x3_s2()
        self.conv2d_3b = C(64, 80, 1)
        self.conv2d_4a = C(80, 192, 3)
        self.maxpool_5a = max_pool_3x3_s2()
        self.mixed_5b = Mixed5b()
        self.repeat = nn.Sequential(*[Block35(0.17) for _ in range(10)])
        self.mixed_6a = Mixed6a()
        self.repeat_1 = nn.Sequential(*[Block17(0.10) for _ in range(20)])
        self.mixed_7a = Mixed7a()
        self.repeat_2 = nn.Sequential(*[Block8(0.20) for _ in range(9)])
        self.block8 = Block8(1.0, no_relu=True)
        self.conv2d_7b = C(2080, 1536, 1)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classif = nn.Linear(1536, num_classes)
        self.blocks = _blocks_of(self, {"repeat": "residual", "repeat_1": "residual", "repeat_2": "residual"})

    def forward(self, x, all_outputs: bool = False):
        return run_blocks(self, x)


def _blocks_of(net: nn.Module, repeats: dict[str, str]) -> list[Block]:
    """One block per direct child, with the children of each repeat Sequential as blocks of their own."""
    kinds = {BasicConv2d: "conv", nn.MaxPool2d: "pool", nn.AdaptiveAvgPool2d: "pool", nn.Linear: "linear", nn.Dropout: "dropout"}
    blocks = []
    for name, child in net.named_children():
        if name in repeats:
            for i, sub in enumerate(child):
                blocks.append(Block(f"{name}.{i}", [f"{name}.{i}"], repeats[name], label=type(sub).__name__))
        else:
            kind = kinds.get(type(child), "residual" if isinstance(child, Block8) else "inception" if "mixed" in name else "module")
            if name.startswith("mixed") and name != "mixed_5b":
                kind = "reduction"
            blocks.append(Block(name, [name], kind, label=type(child).__name__))
    return blocks


def run_blocks(net: Reference, x: torch.Tensor) -> dict:
    """Runs the blocks in order (each one's input is the previous one's output), flattening before
    the classifier."""
    for b in net.blocks:
        mod = net.get_submodule(b.name)
        if isinstance(mod, nn.Linear):
            x = torch.flatten(x, 1)
        x = net.tap(b.name, mod(x))
    return {"main": x}
