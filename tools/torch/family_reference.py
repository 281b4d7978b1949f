#!/usr/bin/python3
"""Figures of the family references in tools/torch/family/ (Inception v4, Inception-ResNet v1 and
v2, BN-Inception, the paper's GoogLeNet), and their cross-checks.

    /usr/bin/python3 tools/torch/family_reference.py --preset inception-resnet-v2   # blocks, totals
    /usr/bin/python3 tools/torch/family_reference.py --preset bn-inception --json
    /usr/bin/python3 tools/torch/family_reference.py --check        # every preset's parameter count
    PYTHONPATH=DIR /usr/bin/python3 tools/torch/family_reference.py --check-timm
        # with timm importable from DIR (e.g. an unpacked timm wheel): the same state_dict keys in the
        # same order, shapes, and outputs (eval and train) as timm's inception_v4 and inception_resnet_v2
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import EXPECTED_PARAMS, PRESETS, build  # noqa: E402
from family.measure import measure  # noqa: E402

TIMM_MODELS = {"inception-v4": "inception_v4", "inception-resnet-v2": "inception_resnet_v2"}


def random_state(sd: dict, seed: int) -> dict:
    """Random weights with batch-norm statistics that do real work (same keys and shapes)."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            out[k] = v.clone()
        elif k.endswith("running_var") or (k.endswith(".weight") and v.dim() == 1):
            out[k] = 0.5 + torch.rand(v.shape, generator=g)
        elif v.dim() == 1:
            out[k] = (torch.rand(v.shape, generator=g) - 0.5) * 0.2
        else:
            out[k] = (torch.rand(v.shape, generator=g) - 0.5) * (2 * math.sqrt(3) / math.sqrt(v[0].numel()))
    return out


def check_params() -> None:
    for name in PRESETS:
        f = measure(build(name))["totals"]
        want = EXPECTED_PARAMS[name]
        got = (f["params"], f["paramsEval"])
        status = "ok" if want is None or got == want else f"EXPECTED {want[0]:,} / {want[1]:,}"
        print(f"{name:<22} params {got[0]:>12,} (eval path {got[1]:>12,})  MACs {f['macs']:>15,}  {status}")
        if want is not None and got != want:
            raise SystemExit(1)


def check_timm() -> None:
    try:
        import timm  # type: ignore[import-not-found]
    except ImportError:
        raise SystemExit("timm is not importable: put an unpacked timm wheel on PYTHONPATH (it imports under Debian's torch 1.13)")
    for ours_name, timm_name in TIMM_MODELS.items():
        ours, ref = build(ours_name), timm.create_model(timm_name, pretrained=False)
        a, b = ours.state_dict(), ref.state_dict()
        if list(a) != list(b):
            raise AssertionError(f"{ours_name}: state_dict keys differ from timm's: only ours {[k for k in a if k not in b][:5]}, only timm {[k for k in b if k not in a][:5]}")
        bad = [k for k in a if a[k].shape != b[k].shape]
        if bad:
            raise AssertionError(f"{ours_name}: state_dict shapes differ: {bad[:5]}")
        sd = random_state(a, 1)
        ours.load_state_dict(sd)
        ref.load_state_dict(sd)
        x = torch.randn(2, 3, 299, 299, generator=torch.Generator().manual_seed(2))
        diffs = {}
        with torch.no_grad():
            for mode in ("eval", "train"):
                for net in (ours, ref):
                    net.train(mode == "train")
                    for m in net.modules():
                        if isinstance(m, nn.Dropout):
                            m.eval()
                y_ours, y_ref = ours(x)["main"], ref(x)
                diffs[mode] = (y_ours - y_ref).abs().max().item() / y_ref.abs().max().item()
        print(
            f"{ours_name}: timm {timm.__version__} {timm_name}: {len(a)} state_dict keys equal in order and shape; "
            f"max |difference| / max |logit|: eval {diffs['eval']:.1e}, train {diffs['train']:.1e}"
        )
        if max(diffs.values()) > 1e-5:
            raise AssertionError(f"{ours_name}: outputs differ from timm's")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=list(PRESETS), help="print one preset's figures")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--check", action="store_true", help="check every preset's parameter count")
    ap.add_argument("--check-timm", action="store_true", help="compare inception-v4 and inception-resnet-v2 with timm")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.check:
        check_params()
    if args.check_timm:
        check_timm()
    if args.preset:
        net = build(args.preset)
        f = measure(net)
        if args.json:
            print(json.dumps(f))
            return 0
        for b in f["blocks"]:
            aux = " (aux)" if b["aux"] else ""
            print(f"{b['name']:<22} {b['label'] + aux:<22} {'×'.join(map(str, b['shape'])):<16} {b['params']:>12,} {b['macs']:>15,}")
        t = f["totals"]
        print(f"params {t['params']:,} (eval {t['paramsEval']:,}); MACs {t['macs']:,} (train {t['macsTrain']:,}); buffers {t['buffers']:,}")
    if not (args.check or args.check_timm or args.preset):
        ap.print_help()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
