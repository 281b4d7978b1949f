"""BN-Inception (Inception v2: Ioffe & Szegedy 2015, "Batch Normalization", figure 5 / table) as
pretrainedmodels' `bninception` ports the Caffe model, with its flat layer names so the
state_dict keys are that port's (`conv1_7x7_s2.weight`, `inception_3a_double_3x3_1_bn.running_mean`,
`last_linear.weight`).  Written here from the architecture and the port's layer list.

Every conv has a bias (Caffe style) and is followed by batch norm (eps 1e-5, momentum 0.9 as the
port declares it) and ReLU.  The port's forward applies each ReLU *in place* on the batch-norm
output and then passes that same tensor on, so although its code seems to feed the batch-norm
output (not the ReLU's) to the next layer, every conv really is conv → batch norm → ReLU; this
reference writes that directly.

Inception modules: 1×1 ‖ 1×1 → 3×3 ‖ 1×1 → 3×3 → 3×3 (the "double 3×3" in place of the 5×5) ‖
3×3 pool → 1×1 projection.  The pool is an average pool (stride 1, padding 1, ceil mode, padding
counted) except in 5b, which uses a max pool.  3c and 4e reduce the grid: their 3×3 and second
double 3×3 convs have stride 2, and their pool branch is a 3×3/2 max pool with no projection.
Pools between stages are 3×3/2 max pools in ceil mode.  Input 3×224×224; 11,295,240 parameters.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import Block, Preprocessing, Reference

# name, 1×1, 3×3 reduce, 3×3, double 3×3 reduce, double 3×3, pool ("avg", "max" or "max/2"), pool proj
MODULES = [
    ("inception_3a", 64, 64, 64, 64, 96, "avg", 32),
    ("inception_3b", 64, 64, 96, 64, 96, "avg", 64),
    ("inception_3c", 0, 128, 160, 64, 96, "max/2", 0),
    ("inception_4a", 224, 64, 96, 96, 128, "avg", 128),
    ("inception_4b", 192, 96, 128, 96, 128, "avg", 128),
    ("inception_4c", 160, 128, 160, 128, 160, "avg", 128),
    ("inception_4d", 96, 128, 192, 160, 192, "avg", 128),
    ("inception_4e", 0, 128, 192, 192, 256, "max/2", 0),
    ("inception_5a", 352, 192, 320, 160, 224, "avg", 128),
    ("inception_5b", 352, 192, 320, 192, 224, "max", 128),
]


class BNInception(Reference):
    reference = "pretrainedmodels bninception (Cadene/pretrained-models.pytorch pretrainedmodels/models/bninception.py)"
    input_size = (3, 224, 224)
    preprocessing = Preprocessing(
        channel_order="BGR",
        value_range=(0.0, 255.0),
        mean=(104.0, 117.0, 128.0),
        std=(1.0, 1.0, 1.0),
        interpolation="bilinear",
        crop_pct=0.875,
        source="pretrainedmodels pretrained_settings['bninception']['imagenet'] (input_space BGR, input_range [0, 255], mean [104, 117, 128], std [1, 1, 1]) and its TransformImage (scale 0.875)",
    )

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.blocks = []
        self._conv("conv1_7x7_s2", 3, 64, 7, stride=2, padding=3)
        self.pool1_3x3_s2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self._conv("conv2_3x3_reduce", 64, 64, 1)
        self._conv("conv2_3x3", 64, 192, 3, padding=1)
        self.pool2_3x3_s2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.blocks += [
            Block("conv1_7x7_s2", ["conv1_7x7_s2", "conv1_7x7_s2_bn"], "conv", label="Conv+BN+ReLU"),
            Block("pool1_3x3_s2", ["pool1_3x3_s2"], "pool", label="MaxPool2d"),
            Block("conv2_3x3_reduce", ["conv2_3x3_reduce", "conv2_3x3_reduce_bn"], "conv", label="Conv+BN+ReLU"),
            Block("conv2_3x3", ["conv2_3x3", "conv2_3x3_bn"], "conv", label="Conv+BN+ReLU"),
            Block("pool2_3x3_s2", ["pool2_3x3_s2"], "pool", label="MaxPool2d"),
        ]
        cin = 192
        for name, n1, r3, n3, rd, nd, pool, proj in MODULES:
            owned_before = set(self._modules)
            reduce_grid = pool == "max/2"
            outs = []
            if n1:
                self._conv(f"{name}_1x1", cin, n1, 1)
                outs.append(n1)
            self._conv(f"{name}_3x3_reduce", cin, r3, 1)
            self._conv(f"{name}_3x3", r3, n3, 3, stride=2 if reduce_grid else 1, padding=1)
            self._conv(f"{name}_double_3x3_reduce", cin, rd, 1)
            self._conv(f"{name}_double_3x3_1", rd, nd, 3, padding=1)
            self._conv(f"{name}_double_3x3_2", nd, nd, 3, stride=2 if reduce_grid else 1, padding=1)
            outs += [n3, nd]
            if pool == "avg":
                setattr(self, f"{name}_pool", nn.AvgPool2d(3, stride=1, padding=1, ceil_mode=True, count_include_pad=True))
            elif pool == "max":
                setattr(self, f"{name}_pool", nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True))
            else:
                setattr(self, f"{name}_pool", nn.MaxPool2d(3, stride=2, ceil_mode=True))
            if proj:
                self._conv(f"{name}_pool_proj", cin, proj, 1)
                outs.append(proj)
            else:
                outs.append(cin)
            owned = [m for m in self._modules if m not in owned_before]
            self.blocks.append(Block(name, owned, "reduction" if reduce_grid else "inception", label="Inception (BN)"))
            cin = sum(outs)
        self.global_pool = nn.AvgPool2d(7, stride=1, padding=0, ceil_mode=True, count_include_pad=True)
        self.last_linear = nn.Linear(cin, num_classes)
        self.blocks += [Block("global_pool", ["global_pool"], "pool", label="AvgPool2d"), Block("last_linear", ["last_linear"], "linear", label="Linear")]

    def _conv(self, name: str, cin: int, cout: int, k: int, stride: int = 1, padding: int = 0) -> None:
        setattr(self, name, nn.Conv2d(cin, cout, k, stride, padding, bias=True))
        setattr(self, f"{name}_bn", nn.BatchNorm2d(cout, eps=1e-5, momentum=0.9))

    def _cbr(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """conv → batch norm → ReLU (the port's in-place ReLU on the batch-norm output)."""
        return F.relu(getattr(self, f"{name}_bn")(getattr(self, name)(x)))

    def _inception(self, name: str, x: torch.Tensor, has_1x1: bool, has_proj: bool) -> torch.Tensor:
        outs = []
        if has_1x1:
            outs.append(self._cbr(f"{name}_1x1", x))
        outs.append(self._cbr(f"{name}_3x3", self._cbr(f"{name}_3x3_reduce", x)))
        d = self._cbr(f"{name}_double_3x3_reduce", x)
        outs.append(self._cbr(f"{name}_double_3x3_2", self._cbr(f"{name}_double_3x3_1", d)))
        p = getattr(self, f"{name}_pool")(x)
        outs.append(self._cbr(f"{name}_pool_proj", p) if has_proj else p)
        return torch.cat(outs, 1)

    def forward(self, x, all_outputs: bool = False):
        t = self.tap
        x = t("conv1_7x7_s2", self._cbr("conv1_7x7_s2", x))
        x = t("pool1_3x3_s2", self.pool1_3x3_s2(x))
        x = t("conv2_3x3_reduce", self._cbr("conv2_3x3_reduce", x))
        x = t("conv2_3x3", self._cbr("conv2_3x3", x))
        x = t("pool2_3x3_s2", self.pool2_3x3_s2(x))
        for name, n1, _r3, _n3, _rd, _nd, _pool, proj in MODULES:
            x = t(name, self._inception(name, x, bool(n1), bool(proj)))
        x = t("global_pool", self.global_pool(x))
        return {"main": t("last_linear", self.last_linear(torch.flatten(x, 1)))}
