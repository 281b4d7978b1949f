"""GoogLeNet as the paper (Szegedy et al. 2014, "Going deeper with convolutions", table 1 and
figure 3) and Caffe's `models/bvlc_googlenet/train_val.prototxt` build it: convolutions with a
bias and no batch norm (conv → ReLU), local response normalization (size 5, alpha 1e-4,
beta 0.75, k 1) after pool1 and after conv2, the 1×1 `conv2/3x3_reduce` before the 3×3 conv2,
max pools in Caffe's ceil mode, and the two auxiliary heads of the paper (5×5/3 average pool →
1×1 conv 128 → fc 1024 → ReLU → dropout 0.7 → classifier) on inception 4a and 4d.

Layer names are Caffe's with `/` written `_` (`conv1/7x7_s2` → `conv1_7x7_s2`,
`inception_3a/pool_proj` → `inception_3a_pool_proj`, `loss1/fc` → `loss1_fc`,
`loss3/classifier` → `loss3_classifier`): the names a Caffe-to-PyTorch conversion of
bvlc_googlenet.caffemodel gives when it keeps the layer names (as pretrainedmodels' BN-Inception
port does), so such a checkpoint loads with strict key checks.

Input 3×224×224; 6,998,552 parameters on the eval path, 13,378,280 with the aux heads.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import Block, Preprocessing, Reference

# name, 1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool proj (the paper's table 1)
MODULES = {
    "inception_3a": (64, 96, 128, 16, 32, 32),
    "inception_3b": (128, 128, 192, 32, 96, 64),
    "inception_4a": (192, 96, 208, 16, 48, 64),
    "inception_4b": (160, 112, 224, 24, 64, 64),
    "inception_4c": (128, 128, 256, 24, 64, 64),
    "inception_4d": (112, 144, 288, 32, 64, 64),
    "inception_4e": (256, 160, 320, 32, 128, 128),
    "inception_5a": (256, 160, 320, 32, 128, 128),
    "inception_5b": (384, 192, 384, 48, 128, 128),
}


def lrn() -> nn.LocalResponseNorm:
    """Caffe's across-channel LRN: x / (1 + alpha/size · Σ x²)^beta over 5 neighbouring channels."""
    return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)


def caffe_max_pool(k: int, s: int, p: int = 0) -> nn.MaxPool2d:
    """Caffe's pooling rounds the output size up (ceil mode)."""
    return nn.MaxPool2d(k, stride=s, padding=p, ceil_mode=True)


class GoogLeNetPaper(Reference):
    reference = "Caffe bvlc_googlenet (BVLC/caffe models/bvlc_googlenet/train_val.prototxt), the paper's network"
    input_size = (3, 224, 224)
    preprocessing = Preprocessing(
        channel_order="BGR",
        value_range=(0.0, 255.0),
        mean=(104.0, 117.0, 123.0),
        std=(1.0, 1.0, 1.0),
        interpolation="bilinear",
        crop_pct=0.875,
        source="bvlc_googlenet train_val.prototxt transform_param (mean_value 104, 117, 123 on BGR 0-255, crop_size 224 from 256×256 images)",
    )

    def __init__(self, num_classes: int = 1000, aux: bool = True):
        super().__init__()
        self.aux = aux
        self.blocks = []
        self._conv("conv1_7x7_s2", 3, 64, 7, stride=2, padding=3)
        self.pool1_3x3_s2 = caffe_max_pool(3, 2)
        self.pool1_norm1 = lrn()
        self._conv("conv2_3x3_reduce", 64, 64, 1)
        self._conv("conv2_3x3", 64, 192, 3, padding=1)
        self.conv2_norm2 = lrn()
        self.pool2_3x3_s2 = caffe_max_pool(3, 2)
        for name in ("conv1_7x7_s2", "pool1_3x3_s2", "pool1_norm1", "conv2_3x3_reduce", "conv2_3x3", "conv2_norm2", "pool2_3x3_s2"):
            kind = "conv" if name.startswith("conv") and "norm" not in name else "lrn" if "norm" in name else "pool"
            self.blocks.append(Block(name, [name], kind, label=type(getattr(self, name)).__name__))
        cin = 192
        for name, counts in MODULES.items():
            cin = self._inception(name, cin, counts)
            if name == "inception_3b":
                self.pool3_3x3_s2 = caffe_max_pool(3, 2)
                self.blocks.append(Block("pool3_3x3_s2", ["pool3_3x3_s2"], "pool", label="MaxPool2d"))
            elif name == "inception_4e":
                self.pool4_3x3_s2 = caffe_max_pool(3, 2)
                self.blocks.append(Block("pool4_3x3_s2", ["pool4_3x3_s2"], "pool", label="MaxPool2d"))
            elif name in ("inception_4a", "inception_4d") and aux:
                self._aux_head("loss1" if name == "inception_4a" else "loss2", cin, num_classes)
        self.pool5_7x7_s1 = nn.AvgPool2d(7, stride=1, ceil_mode=True)
        self.pool5_drop_7x7_s1 = nn.Dropout(0.4)
        self.loss3_classifier = nn.Linear(cin, num_classes)
        self.blocks += [
            Block("pool5_7x7_s1", ["pool5_7x7_s1"], "pool", label="AvgPool2d"),
            Block("pool5_drop_7x7_s1", ["pool5_drop_7x7_s1"], "dropout", label="Dropout"),
            Block("loss3_classifier", ["loss3_classifier"], "linear", label="Linear"),
        ]

    def _conv(self, name: str, cin: int, cout: int, k: int, stride: int = 1, padding: int = 0) -> None:
        setattr(self, name, nn.Conv2d(cin, cout, k, stride, padding, bias=True))

    def _cr(self, name: str, x: torch.Tensor) -> torch.Tensor:
        return F.relu(getattr(self, name)(x))

    def _inception(self, name: str, cin: int, counts: tuple[int, ...]) -> int:
        n1, r3, n3, r5, n5, proj = counts
        self._conv(f"{name}_1x1", cin, n1, 1)
        self._conv(f"{name}_3x3_reduce", cin, r3, 1)
        self._conv(f"{name}_3x3", r3, n3, 3, padding=1)
        self._conv(f"{name}_5x5_reduce", cin, r5, 1)
        self._conv(f"{name}_5x5", r5, n5, 5, padding=2)
        setattr(self, f"{name}_pool", caffe_max_pool(3, 1, 1))
        self._conv(f"{name}_pool_proj", cin, proj, 1)
        parts = ("1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5", "pool", "pool_proj")
        self.blocks.append(Block(name, [f"{name}_{p}" for p in parts], "inception", label="Inception (paper)"))
        return n1 + n3 + n5 + proj

    def _aux_head(self, prefix: str, cin: int, num_classes: int) -> None:
        setattr(self, f"{prefix}_ave_pool", nn.AvgPool2d(5, stride=3, ceil_mode=True))
        self._conv(f"{prefix}_conv", cin, 128, 1)
        setattr(self, f"{prefix}_fc", nn.Linear(128 * 4 * 4, 1024))
        setattr(self, f"{prefix}_drop_fc", nn.Dropout(0.7))
        setattr(self, f"{prefix}_classifier", nn.Linear(1024, num_classes))
        owns = [f"{prefix}_{p}" for p in ("ave_pool", "conv", "fc", "drop_fc", "classifier")]
        self.blocks.append(Block(prefix, owns, "auxHead", aux=True, label="Aux head (paper)"))

    def _run_inception(self, name: str, x: torch.Tensor) -> torch.Tensor:
        c = lambda part, v: self._cr(f"{name}_{part}", v)  # noqa: E731
        return torch.cat(
            [
                c("1x1", x),
                c("3x3", c("3x3_reduce", x)),
                c("5x5", c("5x5_reduce", x)),
                c("pool_proj", getattr(self, f"{name}_pool")(x)),
            ],
            1,
        )

    def _run_aux(self, prefix: str, x: torch.Tensor) -> torch.Tensor:
        g = lambda part: getattr(self, f"{prefix}_{part}")  # noqa: E731
        y = torch.flatten(self._cr(f"{prefix}_conv", g("ave_pool")(x)), 1)
        y = g("drop_fc")(F.relu(g("fc")(y)))
        return self.tap(prefix, g("classifier")(y))

    def forward(self, x, all_outputs: bool = False):
        t = self.tap
        aux = self.aux and self.run_aux(all_outputs)
        out: dict[str, torch.Tensor] = {}
        x = t("conv1_7x7_s2", self._cr("conv1_7x7_s2", x))
        x = t("pool1_3x3_s2", self.pool1_3x3_s2(x))
        x = t("pool1_norm1", self.pool1_norm1(x))
        x = t("conv2_3x3_reduce", self._cr("conv2_3x3_reduce", x))
        x = t("conv2_3x3", self._cr("conv2_3x3", x))
        x = t("conv2_norm2", self.conv2_norm2(x))
        x = t("pool2_3x3_s2", self.pool2_3x3_s2(x))
        for name in MODULES:
            x = t(name, self._run_inception(name, x))
            if name == "inception_3b":
                x = t("pool3_3x3_s2", self.pool3_3x3_s2(x))
            elif name == "inception_4e":
                x = t("pool4_3x3_s2", self.pool4_3x3_s2(x))
            elif name == "inception_4a" and aux:
                out["aux1"] = self._run_aux("loss1", x)
            elif name == "inception_4d" and aux:
                out["aux2"] = self._run_aux("loss2", x)
        x = t("pool5_7x7_s1", self.pool5_7x7_s1(x))
        x = t("pool5_drop_7x7_s1", self.pool5_drop_7x7_s1(x))
        out["main"] = t("loss3_classifier", self.loss3_classifier(torch.flatten(x, 1)))
        return out
