#!/usr/bin/python3
"""An independent PyTorch build of an Inception Explorer design: the oracle the TypeScript core and
engine are tested against.

It reads a design file (as `npx inception-explorer design` writes it) at the level of its modules
and builds them the way a PyTorch tutorial writes GoogLeNet: a ConvBlock (conv → batch norm → ReLU),
an InceptionBlock with branch1..branch4, an AuxHead, pools, dropout and a final flatten + Linear.
It never looks at the layer graph core expands a design into, so agreement between the two is
evidence, not tautology.  Parameter defaults are written out here from the module documentation.

    /usr/bin/python3 tools/torch/reference.py --preset googlenet            # figures of a preset
    /usr/bin/python3 tools/torch/reference.py my-design.json                 # figures of a file
    /usr/bin/python3 tools/torch/reference.py --check-torchvision            # vs torchvision 0.14

Use from Python:

    from reference import InceptionNet, load_design
    net = InceptionNet(load_design("design.json"))
    outputs = net(x)          # {"main": logits} in eval mode; aux outputs too in train mode
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from typing import Any, Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_v3  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Parameter defaults of each module kind (core/modules/*.ts documents them).
FLAVOR = {"conv_bias": True, "bn_eps": 1e-5, "bn_name": "batchnorm"}
POOL = {"kernel": 3, "stride": 2, "padding": 0, "ceil_mode": False}
DEFAULTS: dict[str, dict[str, Any]] = {
    "convBlock": {"out_channels": 64, "kernel": 3, "stride": 1, "padding": 1, **FLAVOR},
    "inception": {
        "out_1x1": 64, "red_3x3": 96, "out_3x3": 128, "red_5x5": 16, "out_5x5": 32, "out_1x1pool": 32,
        "form": "reduced", "kernel_5x5": 5, "pool_ceil": False, **FLAVOR,
    },
    "auxHead": {
        "conv_out": 128, "hidden": 1024, "pool": "avg", "pool_kernel": 5, "pool_stride": 3, "pool_size": 4,
        "in_size": 4, "dropout": 0.7, "out_features": "classes", **FLAVOR,
    },
    "linear": {"out_features": "classes", "in_size": 1, "bias": True},
    "maxPool": dict(POOL),
    "avgPool": {**POOL, "stride": 1, "count_include_pad": True},
    "adaptiveAvgPool": {"output_size": 1},
    "localResponseNorm": {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 1.0},
    "dropout": {"p": 0.4},
    "relu": {},
    "conv2d": {"out_channels": 64, "kernel": 3, "stride": 1, "padding": 0, "groups": 1, "bias": True},
    "concat": {},
    "add": {},
    "scale": {"factor": 0.1},
    **reference_v3.V3_DEFAULTS,
}


def pair(v: Any) -> tuple[int, int]:
    """n → (n, n); [h, w] → (h, w)."""
    if isinstance(v, int):
        return (v, v)
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return (int(v[0]), int(v[1]))
    raise ValueError(f"expected a number or a [height, width] pair; got {v!r}")


def padding4(v: Any) -> tuple[int, int, int, int]:
    """n → (n, n, n, n); [h, w] → (h, h, w, w); [top, bottom, left, right] as is."""
    if isinstance(v, int):
        return (v, v, v, v)
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return (int(v[0]), int(v[0]), int(v[1]), int(v[1]))
    if isinstance(v, (list, tuple)) and len(v) == 4:
        return tuple(int(x) for x in v)  # type: ignore[return-value]
    raise ValueError(f"expected padding n, [h, w] or [top, bottom, left, right]; got {v!r}")


def symmetric(p: tuple[int, int, int, int]) -> tuple[int, int] | None:
    """The (h, w) padding PyTorch layers take, or None when the padding is asymmetric."""
    return (p[0], p[2]) if p[0] == p[1] and p[2] == p[3] else None


def same_padding(k: int) -> tuple[int, int, int, int]:
    """'Same' padding for an odd or even kernel at stride 1: the extra row/column goes last."""
    lo, hi = (k - 1) // 2, k // 2
    return (lo, hi, lo, hi)


class ConvBlock(nn.Module):
    """Conv2d → BatchNorm2d → ReLU; the batch norm attribute is named `bn_name`."""

    def __init__(self, cin: int, cout: int, kernel, stride=1, padding=0, bias=True, eps=1e-5, bn_name="batchnorm"):
        super().__init__()
        pad = padding4(padding)
        sym = symmetric(pad)
        # Asymmetric padding has no Conv2d argument: pad explicitly (F.pad takes left, right, top, bottom).
        self.explicit_pad = None if sym else (pad[2], pad[3], pad[0], pad[1])
        self.conv = nn.Conv2d(cin, cout, pair(kernel), pair(stride), sym or 0, bias=bias)
        self.bn_name = bn_name
        setattr(self, bn_name, nn.BatchNorm2d(cout, eps=eps, momentum=0.1))
        self.relu = nn.ReLU()

    def forward(self, x):
        if self.explicit_pad:
            x = F.pad(x, self.explicit_pad)
        return self.relu(getattr(self, self.bn_name)(self.conv(x)))


def pooled_length(size: int, k: int, s: int, before: int, after: int, ceil: bool) -> int:
    """PyTorch's pooling output length, with per-side padding: in ceil mode the last window must
    start inside the input or its leading padding."""
    span = size + before + after - k
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + before:
        out -= 1
    return out


class PaddedPool2d(nn.Module):
    """Max or average pooling with asymmetric padding, which nn.MaxPool2d/AvgPool2d cannot express.

    The input is padded explicitly (−∞ for max, zeros for average) up to the last window; average
    pooling divides by the window's count of input cells plus, with count_include_pad, the cells of
    the declared padding (never the overhang of a ceil-mode window), as PyTorch does.
    """

    def __init__(self, mode: str, kernel, stride, padding, ceil_mode: bool, count_include_pad: bool = True):
        super().__init__()
        self.mode, self.kernel, self.stride = mode, pair(kernel), pair(stride)
        self.padding, self.ceil_mode, self.count_include_pad = padding4(padding), ceil_mode, count_include_pad

    def forward(self, x):
        (kh, kw), (sh, sw), (t, b, l, r) = self.kernel, self.stride, self.padding
        h, w = x.shape[-2:]
        oh = pooled_length(h, kh, sh, t, b, self.ceil_mode)
        ow = pooled_length(w, kw, sw, l, r, self.ceil_mode)
        if oh < 1 or ow < 1:
            # As PyTorch: in ceil mode a window may overhang a small input as long as one output remains.
            raise RuntimeError(f"Given input size {h}x{w}, the {kh}x{kw} pool leaves {oh}x{ow}. Output size is too small")
        extra_b = max((oh - 1) * sh + kh - (h + t), 0)
        extra_r = max((ow - 1) * sw + kw - (w + l), 0)
        pads = (l, extra_r, t, extra_b)
        if self.mode == "max":
            y = F.max_pool2d(F.pad(x, pads, value=-math.inf), (kh, kw), (sh, sw))
            return y[..., :oh, :ow]
        total = F.avg_pool2d(F.pad(x, pads), (kh, kw), (sh, sw), divisor_override=1)[..., :oh, :ow]
        counted = torch.zeros((1, 1, t + h + extra_b, l + w + extra_r), dtype=x.dtype)
        if self.count_include_pad:
            counted[..., : t + h + b, : l + w + r] = 1
        else:
            counted[..., t : t + h, l : l + w] = 1
        divisor = F.avg_pool2d(counted, (kh, kw), (sh, sw), divisor_override=1)[..., :oh, :ow]
        return total / divisor


def make_pool(mode: str, kernel, stride, padding, ceil_mode: bool, count_include_pad: bool = True) -> nn.Module:
    pad = padding4(padding)
    sym = symmetric(pad)
    if sym is None:
        return PaddedPool2d(mode, kernel, stride, pad, ceil_mode, count_include_pad)
    if mode == "max":
        return nn.MaxPool2d(pair(kernel), pair(stride), sym, ceil_mode=ceil_mode)
    return nn.AvgPool2d(pair(kernel), pair(stride), sym, ceil_mode=ceil_mode, count_include_pad=count_include_pad)


class InceptionBlock(nn.Module):
    """Four branches concatenated on channels.

    reduced: branch1 1×1; branch2 1×1 → 3×3; branch3 1×1 → k×k; branch4 3×3 max pool → 1×1.
    naive:   branch1 1×1; branch2 3×3; branch3 k×k; branch4 the 3×3 max pool alone.
    """

    def __init__(self, cin: int, p: dict):
        super().__init__()
        flavor = dict(bias=p["conv_bias"], eps=p["bn_eps"], bn_name=p["bn_name"])
        k5 = p["kernel_5x5"]
        pool = nn.MaxPool2d(3, 1, 1, ceil_mode=p["pool_ceil"])
        if p["form"] == "naive":
            self.branch1 = ConvBlock(cin, p["out_1x1"], 1, **flavor)
            self.branch2 = ConvBlock(cin, p["out_3x3"], 3, padding=1, **flavor)
            self.branch3 = ConvBlock(cin, p["out_5x5"], k5, padding=same_padding(k5), **flavor)
            self.branch4 = pool
            self.out_channels = p["out_1x1"] + p["out_3x3"] + p["out_5x5"] + cin
        elif p["form"] == "reduced":
            self.branch1 = ConvBlock(cin, p["out_1x1"], 1, **flavor)
            self.branch2 = nn.Sequential(
                ConvBlock(cin, p["red_3x3"], 1, **flavor), ConvBlock(p["red_3x3"], p["out_3x3"], 3, padding=1, **flavor)
            )
            self.branch3 = nn.Sequential(
                ConvBlock(cin, p["red_5x5"], 1, **flavor),
                ConvBlock(p["red_5x5"], p["out_5x5"], k5, padding=same_padding(k5), **flavor),
            )
            self.branch4 = nn.Sequential(pool, ConvBlock(cin, p["out_1x1pool"], 1, **flavor))
            self.out_channels = p["out_1x1"] + p["out_3x3"] + p["out_5x5"] + p["out_1x1pool"]
        else:
            raise ValueError(f"unknown inception form {p['form']!r}")

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class AuxHead(nn.Module):
    """The auxiliary classifier: pool → 1×1 ConvBlock → flatten → fc1 → ReLU → dropout → fc2."""

    def __init__(self, cin: int, p: dict, classes: int):
        super().__init__()
        if p["pool"] == "adaptive":
            self.pool = nn.AdaptiveAvgPool2d(pair(p["pool_size"]))
        else:
            self.pool = nn.AvgPool2d(pair(p["pool_kernel"]), pair(p["pool_stride"]))
        self.conv = ConvBlock(cin, p["conv_out"], 1, bias=p["conv_bias"], eps=p["bn_eps"], bn_name=p["bn_name"])
        h, w = pair(p["in_size"])
        out = classes if p["out_features"] == "classes" else p["out_features"]
        self.fc1 = nn.Linear(p["conv_out"] * h * w, p["hidden"])
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(p["dropout"])
        self.fc2 = nn.Linear(p["hidden"], out)
        self.out_features = out

    def forward(self, x):
        x = torch.flatten(self.conv(self.pool(x)), 1)
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


class Scale(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


class Join(nn.Module):
    """concat (on channels) or add, over several inputs."""

    def __init__(self, how: str):
        super().__init__()
        self.how = how

    def forward(self, *xs):
        if self.how == "concat":
            return torch.cat(xs, 1)
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


def resolve(kind: str, params: dict) -> dict:
    if kind not in DEFAULTS:
        raise ValueError(f"unknown module kind {kind!r}")
    unknown = set(params) - set(DEFAULTS[kind])
    if unknown:
        raise ValueError(f"{kind}: unknown parameters {sorted(unknown)}")
    return {**DEFAULTS[kind], **params}


class InceptionNet(nn.Module):
    """A design as an nn.Module. Submodules are attributes named by module id, registered in the
    design's order (so state_dict keys are `conv1.conv.weight`, `inception3a.branch2.1.batchnorm.running_mean`, …).

    forward(x) returns {output name: tensor}: in eval mode the outputs computed from the main
    path (`main`), in train mode every output (aux heads too, when the design has them).
    """

    def __init__(self, design: dict):
        super().__init__()
        self.design = design
        classes = design["classes"]
        specs = [m for m in design["modules"] if design["aux"] or not m.get("aux")]
        self.order = topological([(m["id"], list(m["inputs"])) for m in specs])
        by_id = {m["id"]: m for m in specs}
        # (rank, channels-or-features) of each module's output, known when the network is built.
        meta: dict[str, tuple[int, int]] = {"input": (4, design["input"]["channels"])}
        self.inputs: dict[str, list[str]] = {}
        self.kinds: dict[str, str] = {}
        built: dict[str, nn.Module] = {}
        for mid in self.order:
            m = by_id[mid]
            kind, p = m["kind"], resolve(m["kind"], m.get("params", {}))
            ins = [meta[i] for i in m["inputs"]]
            rank, ch = ins[0]
            if kind == "convBlock":
                mod = ConvBlock(ch, p["out_channels"], p["kernel"], p["stride"], p["padding"], p["conv_bias"], p["bn_eps"], p["bn_name"])
                out = (4, p["out_channels"])
            elif kind == "conv2d":
                pad = padding4(p["padding"])
                if symmetric(pad) is None:
                    raise ValueError(f"{mid}: a plain conv2d with asymmetric padding is not supported here")
                mod = nn.Conv2d(ch, p["out_channels"], pair(p["kernel"]), pair(p["stride"]), symmetric(pad), groups=p["groups"], bias=p["bias"])
                out = (4, p["out_channels"])
            elif kind == "inception":
                mod = InceptionBlock(ch, p)
                out = (4, mod.out_channels)
            elif kind == "auxHead":
                mod = AuxHead(ch, p, classes)
                out = (2, mod.out_features)
            elif kind == "linear":
                h, w = pair(p["in_size"])
                features = ch * h * w if rank == 4 else ch
                n = classes if p["out_features"] == "classes" else p["out_features"]
                mod = nn.Linear(features, n, bias=p["bias"])
                out = (2, n)
            elif kind in ("maxPool", "avgPool"):
                mode = "max" if kind == "maxPool" else "avg"
                mod = make_pool(mode, p["kernel"], p["stride"], p["padding"], p["ceil_mode"], p.get("count_include_pad", True))
                out = ins[0]
            elif kind == "adaptiveAvgPool":
                mod = nn.AdaptiveAvgPool2d(pair(p["output_size"]))
                out = ins[0]
            elif kind == "localResponseNorm":
                mod = nn.LocalResponseNorm(p["size"], p["alpha"], p["beta"], p["k"])
                out = ins[0]
            elif kind == "dropout":
                mod, out = nn.Dropout(p["p"]), ins[0]
            elif kind == "relu":
                mod, out = nn.ReLU(), ins[0]
            elif kind == "scale":
                mod, out = Scale(p["factor"]), ins[0]
            elif kind in reference_v3.BLOCKS:
                mod = reference_v3.BLOCKS[kind](ch, p)
                out = (4, mod.out_channels)
            elif kind == "transformInput":
                mod, out = reference_v3.TransformInput(p["enabled"]), ins[0]
            elif kind == "inceptionAux":
                mod = reference_v3.Aux(ch, p, classes)
                out = (2, mod.out_features)
            elif kind in ("concat", "add"):
                mod = Join(kind)
                out = (rank, sum(c for _, c in ins) if kind == "concat" else ch)
            else:
                raise ValueError(f"unknown module kind {kind!r}")
            built[mid] = mod
            meta[mid] = out
            self.inputs[mid] = list(m["inputs"])
            self.kinds[mid] = kind
        # Register in design order, as a hand-written network declares its layers.
        for m in specs:
            self.add_module(m["id"], built[m["id"]])
        self.outputs: dict[str, str] = {k: v for k, v in design["outputs"].items() if v in built}
        self.main_path = ancestors(self.outputs["main"], self.inputs)

    def needed(self) -> list[str]:
        """Modules to run in the current mode, in execution order."""
        if not self.training:
            return [m for m in self.order if m in self.main_path]
        return list(self.order)

    def forward(self, x):
        values = {"input": x}
        for mid in self.needed():
            mod = getattr(self, mid)
            args = [values[i] for i in self.inputs[mid]]
            if isinstance(mod, nn.Linear) and args[0].dim() != 2:
                args[0] = torch.flatten(args[0], 1)
            values[mid] = mod(*args)
        return {name: values[src] for name, src in self.outputs.items() if src in values}


def topological(nodes: Sequence[tuple[str, list[str]]]) -> list[str]:
    """Kahn's algorithm, stable in the given order."""
    position = {n: i for i, (n, _) in enumerate(nodes)}
    indegree = {n: sum(1 for i in ins if i != "input") for n, ins in nodes}
    users: dict[str, list[str]] = {}
    for n, ins in nodes:
        for i in ins:
            if i != "input":
                users.setdefault(i, []).append(n)
    ready = [n for n, d in indegree.items() if d == 0]
    order = []
    while ready:
        ready.sort(key=position.__getitem__)
        n = ready.pop(0)
        order.append(n)
        for u in users.get(n, []):
            indegree[u] -= 1
            if indegree[u] == 0:
                ready.append(u)
    if len(order) != len(nodes):
        raise ValueError("the design's modules form a cycle")
    return order


def ancestors(node: str, inputs: dict[str, list[str]]) -> set[str]:
    seen, stack = set(), [node]
    while stack:
        n = stack.pop()
        if n in seen or n == "input":
            continue
        seen.add(n)
        stack.extend(inputs[n])
    return seen


def load_design(source: str | dict) -> dict:
    """A design: a dict, a design file path, or a preset name (via the CLI)."""
    if isinstance(source, dict):
        return source
    if os.path.exists(source):
        with open(source) as f:
            return json.load(f)
    out = subprocess.run(
        ["npx", "inception-explorer", "design", "--preset", source], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if out.returncode not in (0, 1) or not out.stdout:
        raise ValueError(f"{source!r} is neither a design file nor a preset: {out.stderr.strip()}")
    return json.loads(out.stdout)


# ---- figures -------------------------------------------------------------------------------


def module_params(mod: nn.Module) -> int:
    return sum(p.numel() for p in mod.parameters())


def module_buffers(mod: nn.Module) -> int:
    """BN running mean and variance values (not the num_batches_tracked counters)."""
    return sum(b.numel() for n, b in mod.named_buffers() if not n.endswith("num_batches_tracked"))


def layer_macs(m: nn.Module, out: torch.Tensor) -> int:
    """MACs per image of one conv or linear layer.

    conv: output elements per image × in_channels/groups × kh × kw; linear: in × out features.
    """
    if isinstance(m, nn.Conv2d):
        return out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
    return m.in_features * m.out_features


def trace(net: InceptionNet, x: torch.Tensor) -> dict:
    """Runs every module once, one at a time in execution order and in eval mode (aux heads
    included), with forward hooks measuring output shapes and MACs per image.

    A module that PyTorch refuses is recorded in `errors` with PyTorch's message; modules that need
    its output are recorded in `blocked` and not run.
    """
    shapes: dict[str, list[int]] = {}
    macs = {mid: 0 for mid in net.order}
    errors: dict[str, str] = {}
    blocked: list[str] = []
    values: dict[str, torch.Tensor] = {"input": x}
    mode = net.training
    net.eval()
    try:
        for mid in net.order:
            if any(i not in values for i in net.inputs[mid]):
                blocked.append(mid)
                continue
            module = getattr(net, mid)
            hooks = [m.register_forward_hook(mac_hook(macs, mid)) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
            args = [values[i] for i in net.inputs[mid]]
            if isinstance(module, nn.Linear) and args[0].dim() != 2:
                args[0] = torch.flatten(args[0], 1)
            try:
                with torch.no_grad():
                    values[mid] = module(*args)
                shapes[mid] = list(values[mid].shape)
            except RuntimeError as e:
                errors[mid] = str(e).strip().splitlines()[0]
                macs[mid] = 0
            finally:
                for h in hooks:
                    h.remove()
    finally:
        net.train(mode)
    return {"shapes": shapes, "macs": macs, "errors": errors, "blocked": blocked}


def figures(net: InceptionNet, batch: int | None = None) -> dict:
    """Per-module output shapes, params and MACs per image at the design's input, and totals
    (params with and without aux heads, eval and train MACs, BN running-statistics values)."""
    d = net.design["input"]
    x = torch.zeros(batch or d["batch"], d["channels"], d["height"], d["width"])
    t = trace(net, x)
    if t["errors"]:
        raise RuntimeError(f"PyTorch cannot run this design: {t['errors']}")
    macs = t["macs"]
    params = {mid: module_params(getattr(net, mid)) for mid in net.order}
    buffers = {mid: module_buffers(getattr(net, mid)) for mid in net.order}
    main = net.main_path
    return {
        "modules": {mid: {"shape": t["shapes"][mid], "params": params[mid], "macs": macs[mid]} for mid in net.order},
        "totals": {
            "params": sum(params.values()),
            "paramsEval": sum(params[m] for m in net.order if m in main),
            "macs": sum(macs[m] for m in net.order if m in main),
            "macsTrain": sum(macs.values()),
            "buffers": sum(buffers.values()),
        },
    }


def mac_hook(macs: dict, mid: str):
    def hook(m, inp, out):
        macs[mid] += layer_macs(m, out)

    return hook


# ---- torchvision cross-check ---------------------------------------------------------------


def check_torchvision(verbose: bool = True) -> None:
    """reference.py on the googlenet-torchvision preset equals torchvision 0.14's googlenet:
    the same state_dict keys and shapes, and the same outputs on the same weights."""
    import torchvision

    torch.manual_seed(0)
    ours = InceptionNet(load_design("googlenet-torchvision"))
    tv = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=False, transform_input=False)
    a, b = ours.state_dict(), tv.state_dict()
    if set(a) != set(b):
        raise AssertionError(f"state_dict keys differ: only ours {sorted(set(a) - set(b))[:5]}, only torchvision {sorted(set(b) - set(a))[:5]}")
    bad = [k for k in a if a[k].shape != b[k].shape]
    if bad:
        raise AssertionError(f"state_dict shapes differ: {bad[:5]}")
    # Random weights with BN statistics that do real work, loaded into both.
    sd = {}
    g = torch.Generator().manual_seed(1)
    for k, v in a.items():
        if k.endswith("num_batches_tracked"):
            sd[k] = v
        elif k.endswith(("running_var", "bn.weight")):
            sd[k] = 0.5 + torch.rand(v.shape, generator=g)
        else:
            sd[k] = (torch.rand(v.shape, generator=g) - 0.5) * (0.2 if v.dim() == 1 else 2 / math.sqrt(v[0].numel()))
    ours.load_state_dict(sd)
    tv.load_state_dict(sd)
    x = torch.randn(2, 3, 224, 224, generator=g)
    with torch.no_grad():
        ours.eval(), tv.eval()
        e_ours, e_tv = ours(x)["main"], tv(x)
        diff_eval = (e_ours - e_tv).abs().max().item() / e_tv.abs().max().item()
        ours.train(), tv.train()
        for m in list(ours.modules()) + list(tv.modules()):
            if isinstance(m, nn.Dropout):
                m.eval()
        # torchvision 0.14's forward unpacks `_forward`'s (x, aux2, aux1) as (x, aux1, aux2), so its
        # GoogLeNetOutputs carry aux_logits1 and aux_logits2 swapped (pytorch/vision#8736, fixed
        # after 0.20): read the heads' own outputs.
        heads: dict[str, torch.Tensor] = {}
        hooks = [getattr(tv, n).register_forward_hook(lambda m, i, o, n=n: heads.__setitem__(n, o)) for n in ("aux1", "aux2")]
        t_ours, t_tv = ours(x), tv(x)
        for h in hooks:
            h.remove()
        reference = {"main": t_tv.logits, **heads}
        diff_train = max((t_ours[n] - t).abs().max().item() / t.abs().max().item() for n, t in reference.items())
        swapped = torch.equal(t_tv.aux_logits1, heads["aux2"]) and torch.equal(t_tv.aux_logits2, heads["aux1"])
    ours_p = module_params(ours)
    tv_p = module_params(tv)
    if ours_p != tv_p:
        raise AssertionError(f"parameter counts differ: {ours_p} vs {tv_p}")
    if diff_eval > 1e-5 or diff_train > 1e-5:
        raise AssertionError(f"outputs differ: eval {diff_eval:.2e}, train {diff_train:.2e} (relative to max |logit|)")
    if verbose:
        print(f"torchvision {torchvision.__version__}: {len(a)} state_dict keys and shapes equal; {ours_p:,} parameters;")
        print(f"  max |difference| / max |logit|: eval {diff_eval:.1e}, train (dropout off) {diff_train:.1e}")
        if swapped:
            print("  note: torchvision's train-mode GoogLeNetOutputs has aux_logits1 and aux_logits2 swapped (a torchvision 0.14 bug)")


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("design", nargs="?", help="a design file")
    ap.add_argument("--preset", default=None, help="a preset name (googlenet, googlenet-torchvision)")
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--check-torchvision", action="store_true", help="compare with torchvision's googlenet")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(list(argv) if argv is not None else None)
    torch.set_num_threads(1)
    if args.check_torchvision:
        check_torchvision()
        v3 = load_design("inception-v3")
        reference_v3.check_torchvision_v3(InceptionNet, v3)
        for m in v3["modules"]:
            if m["kind"] == "transformInput":
                m["params"]["enabled"] = True
        reference_v3.check_torchvision_v3(InceptionNet, v3)
        return 0
    net = InceptionNet(load_design(args.design or args.preset or "googlenet"))
    fig = figures(net, args.batch)
    if args.json:
        print(json.dumps(fig))
        return 0
    for mid, f in fig["modules"].items():
        print(f"{mid:<14} {'×'.join(map(str, f['shape'])):<18} {f['params']:>12,} {f['macs']:>15,}")
    t = fig["totals"]
    print(f"params {t['params']:,} (eval {t['paramsEval']:,}); MACs {t['macs']:,} (train {t['macsTrain']:,}); buffers {t['buffers']:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
