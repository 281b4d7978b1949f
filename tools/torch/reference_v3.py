"""Inception v3's modules for the independent reference (reference.py), written from the
architecture of Szegedy et al. 2015 as torchvision 0.14 lays it out, with every filter count a
parameter so edited designs can be built.  `check_torchvision_v3()` holds them to torchvision's
own `inception_v3`: same state_dict keys in the same order, same outputs.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

V3_FLAVOR = {"norm": "batch", "conv_bias": False, "bn_eps": 1e-3, "bn_name": "bn"}
V3_DEFAULTS = {
    "inceptionA": {"out_1x1": 64, "red_5x5": 48, "out_5x5": 64, "red_3x3dbl": 64, "out_3x3dbl": 96, "pool_features": 32, **V3_FLAVOR},
    "inceptionB": {"out_3x3": 384, "red_3x3dbl": 64, "out_3x3dbl": 96, **V3_FLAVOR},
    "inceptionC": {"out_1x1": 192, "channels_7x7": 128, "out_7x7": 192, "out_7x7dbl": 192, "pool_features": 192, **V3_FLAVOR},
    "inceptionD": {"red_3x3": 192, "out_3x3": 320, "channels_7x7x3": 192, **V3_FLAVOR},
    "inceptionE": {"out_1x1": 320, "red_3x3": 384, "out_3x3": 384, "red_3x3dbl": 448, "out_3x3dbl": 384, "pool_features": 192, **V3_FLAVOR},
    "inceptionAux": {"conv0": 128, "conv1": 768, "num_classes": "classes", **V3_FLAVOR},
    "transformInput": {"enabled": False},
}


class TransformInput(nn.Module):
    """torchvision's `_transform_input` when enabled, else the identity."""

    def __init__(self, enabled: bool):
        super().__init__()
        self.enabled = enabled

    def forward(self, x):
        if not self.enabled:
            return x
        x_ch0 = torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
        x_ch1 = torch.unsqueeze(x[:, 1], 1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
        x_ch2 = torch.unsqueeze(x[:, 2], 1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
        return torch.cat((x_ch0, x_ch1, x_ch2), 1)


class Basic(nn.Module):
    """BasicConv2d: conv (no bias by default) → BatchNorm2d (eps 0.001) → ReLU."""

    def __init__(self, p: dict, cin: int, cout: int, kernel, stride=1, padding=0):
        super().__init__()
        if p["norm"] != "batch":
            raise ValueError("reference_v3 builds v3 blocks with batch norm only")
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=p["conv_bias"])
        self.bn_name = p["bn_name"]
        setattr(self, p["bn_name"], nn.BatchNorm2d(cout, eps=p["bn_eps"]))
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(getattr(self, self.bn_name)(self.conv(x)))


def avg3(x):
    # torchvision: F.avg_pool2d(x, kernel_size=3, stride=1, padding=1), count_include_pad=True.
    return F.avg_pool2d(x, 3, 1, 1)


class A(nn.Module):
    def __init__(self, cin: int, p: dict):
        super().__init__()
        self.branch1x1 = Basic(p, cin, p["out_1x1"], 1)
        self.branch5x5_1 = Basic(p, cin, p["red_5x5"], 1)
        self.branch5x5_2 = Basic(p, p["red_5x5"], p["out_5x5"], 5, padding=2)
        self.branch3x3dbl_1 = Basic(p, cin, p["red_3x3dbl"], 1)
        self.branch3x3dbl_2 = Basic(p, p["red_3x3dbl"], p["out_3x3dbl"], 3, padding=1)
        self.branch3x3dbl_3 = Basic(p, p["out_3x3dbl"], p["out_3x3dbl"], 3, padding=1)
        self.branch_pool = Basic(p, cin, p["pool_features"], 1)
        self.out_channels = p["out_1x1"] + p["out_5x5"] + p["out_3x3dbl"] + p["pool_features"]

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch5x5_2(self.branch5x5_1(x))
        c = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        d = self.branch_pool(avg3(x))
        return torch.cat([a, b, c, d], 1)


class B(nn.Module):
    def __init__(self, cin: int, p: dict):
        super().__init__()
        self.branch3x3 = Basic(p, cin, p["out_3x3"], 3, stride=2)
        self.branch3x3dbl_1 = Basic(p, cin, p["red_3x3dbl"], 1)
        self.branch3x3dbl_2 = Basic(p, p["red_3x3dbl"], p["out_3x3dbl"], 3, padding=1)
        self.branch3x3dbl_3 = Basic(p, p["out_3x3dbl"], p["out_3x3dbl"], 3, stride=2)
        self.out_channels = p["out_3x3"] + p["out_3x3dbl"] + cin

    def forward(self, x):
        a = self.branch3x3(x)
        b = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([a, b, F.max_pool2d(x, 3, 2)], 1)


class C(nn.Module):
    def __init__(self, cin: int, p: dict):
        super().__init__()
        c7 = p["channels_7x7"]
        self.branch1x1 = Basic(p, cin, p["out_1x1"], 1)
        self.branch7x7_1 = Basic(p, cin, c7, 1)
        self.branch7x7_2 = Basic(p, c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = Basic(p, c7, p["out_7x7"], (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = Basic(p, cin, c7, 1)
        self.branch7x7dbl_2 = Basic(p, c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = Basic(p, c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = Basic(p, c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = Basic(p, c7, p["out_7x7dbl"], (1, 7), padding=(0, 3))
        self.branch_pool = Basic(p, cin, p["pool_features"], 1)
        self.out_channels = p["out_1x1"] + p["out_7x7"] + p["out_7x7dbl"] + p["pool_features"]

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        c = x
        for i in range(1, 6):
            c = getattr(self, f"branch7x7dbl_{i}")(c)
        return torch.cat([a, b, c, self.branch_pool(avg3(x))], 1)


class D(nn.Module):
    def __init__(self, cin: int, p: dict):
        super().__init__()
        c = p["channels_7x7x3"]
        self.branch3x3_1 = Basic(p, cin, p["red_3x3"], 1)
        self.branch3x3_2 = Basic(p, p["red_3x3"], p["out_3x3"], 3, stride=2)
        self.branch7x7x3_1 = Basic(p, cin, c, 1)
        self.branch7x7x3_2 = Basic(p, c, c, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = Basic(p, c, c, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = Basic(p, c, c, 3, stride=2)
        self.out_channels = p["out_3x3"] + c + cin

    def forward(self, x):
        a = self.branch3x3_2(self.branch3x3_1(x))
        b = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([a, b, F.max_pool2d(x, 3, 2)], 1)


class E(nn.Module):
    def __init__(self, cin: int, p: dict):
        super().__init__()
        self.branch1x1 = Basic(p, cin, p["out_1x1"], 1)
        self.branch3x3_1 = Basic(p, cin, p["red_3x3"], 1)
        self.branch3x3_2a = Basic(p, p["red_3x3"], p["out_3x3"], (1, 3), padding=(0, 1))
        self.branch3x3_2b = Basic(p, p["red_3x3"], p["out_3x3"], (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = Basic(p, cin, p["red_3x3dbl"], 1)
        self.branch3x3dbl_2 = Basic(p, p["red_3x3dbl"], p["out_3x3dbl"], 3, padding=1)
        self.branch3x3dbl_3a = Basic(p, p["out_3x3dbl"], p["out_3x3dbl"], (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = Basic(p, p["out_3x3dbl"], p["out_3x3dbl"], (3, 1), padding=(1, 0))
        self.branch_pool = Basic(p, cin, p["pool_features"], 1)
        self.out_channels = p["out_1x1"] + 2 * p["out_3x3"] + 2 * p["out_3x3dbl"] + p["pool_features"]

    def forward(self, x):
        a = self.branch1x1(x)
        r = self.branch3x3_1(x)
        b = torch.cat([self.branch3x3_2a(r), self.branch3x3_2b(r)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        c = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        return torch.cat([a, b, c, self.branch_pool(avg3(x))], 1)


class Aux(nn.Module):
    def __init__(self, cin: int, p: dict, classes: int):
        super().__init__()
        self.conv0 = Basic(p, cin, p["conv0"], 1)
        self.conv1 = Basic(p, p["conv0"], p["conv1"], 5)
        n = classes if p["num_classes"] == "classes" else p["num_classes"]
        self.fc = nn.Linear(p["conv1"], n)
        self.out_features = n

    def forward(self, x):
        x = self.conv1(self.conv0(F.avg_pool2d(x, 5, 3)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


BLOCKS = {"inceptionA": A, "inceptionB": B, "inceptionC": C, "inceptionD": D, "inceptionE": E}


def check_torchvision_v3(net_factory, design: dict, verbose: bool = True) -> float:
    """The reference build of `design` (the inception-v3 preset) against torchvision 0.14's
    inception_v3: identical state_dict keys (in order) and shapes, parameter count, and eval and
    train (dropout off) outputs on the same random weights.  Returns the largest relative difference."""
    import torchvision

    ours = net_factory(design)
    transform = any(m["kind"] == "transformInput" and m.get("params", {}).get("enabled") for m in design["modules"])
    tv = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=transform)
    a, b = ours.state_dict(), tv.state_dict()
    if list(a) != list(b):
        raise AssertionError(f"state_dict keys differ: only ours {sorted(set(a) - set(b))[:5]}, only torchvision {sorted(set(b) - set(a))[:5]}")
    bad = [k for k in a if a[k].shape != b[k].shape]
    if bad:
        raise AssertionError(f"state_dict shapes differ: {bad[:5]}")
    g = torch.Generator().manual_seed(1)
    sd = {}
    for k, v in a.items():
        if k.endswith("num_batches_tracked"):
            sd[k] = v
        elif k.endswith(("running_var", "bn.weight")):
            sd[k] = 0.5 + torch.rand(v.shape, generator=g)
        else:
            sd[k] = (torch.rand(v.shape, generator=g) - 0.5) * (0.2 if v.dim() == 1 else 2 / math.sqrt(v[0].numel()))
    ours.load_state_dict(sd)
    tv.load_state_dict(sd)
    x = torch.randn(2, 3, 299, 299, generator=g)
    with torch.no_grad():
        ours.eval(), tv.eval()
        e_ours, e_tv = ours(x)["main"], tv(x)
        diff_eval = (e_ours - e_tv).abs().max().item() / e_tv.abs().max().item()
        ours.train(), tv.train()
        for m in list(ours.modules()) + list(tv.modules()):
            if isinstance(m, nn.Dropout):
                m.eval()
        t_ours, t_tv = ours(x), tv(x)
        diff_train = max(
            (t_ours["main"] - t_tv.logits).abs().max().item() / t_tv.logits.abs().max().item(),
            (t_ours["aux"] - t_tv.aux_logits).abs().max().item() / t_tv.aux_logits.abs().max().item(),
        )
    n_ours = sum(p.numel() for p in ours.parameters())
    n_tv = sum(p.numel() for p in tv.parameters())
    if n_ours != n_tv:
        raise AssertionError(f"parameter counts differ: {n_ours} vs {n_tv}")
    if diff_eval > 1e-5 or diff_train > 1e-5:
        raise AssertionError(f"outputs differ: eval {diff_eval:.2e}, train {diff_train:.2e}")
    if verbose:
        print(f"torchvision {torchvision.__version__} inception_v3 (transform_input={transform}): {len(a)} state_dict keys equal, in order; {n_ours:,} parameters;")
        print(f"  max |difference| / max |logit|: eval {diff_eval:.1e}, train (dropout off, main and aux) {diff_train:.1e}")
    return max(diff_eval, diff_train)
