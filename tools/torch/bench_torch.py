#!/usr/bin/python3
"""PyTorch's eval-mode forward-pass speed for a design, for `inception-explorer bench`.

    /usr/bin/python3 tools/torch/bench_torch.py DESIGN.json --batch 1,3 [--warmup 10] [--runs 5]

Builds the design with tools/torch/reference.py (torchvision's inception_v3 for that preset), and
times it in several settings: every core as intra-op threads, NCHW or channels_last memory
format, eager or TorchScript (traced and frozen, which lets oneDNN fuse conv + BN + ReLU).
Prints one JSON object: {"torch": version, "threads": n, "results": [{"batch", "setting",
"msPerImage", "runsMs"}], "best": {batch: {...}}}. Each setting's figure is the median of the
timed runs after the warm-up runs; "best" is the fastest setting per batch.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def build(design: dict) -> torch.nn.Module:
    if design.get("preset") == "inception-v3":
        import torchvision

        return torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=False)
    from reference import InceptionNet

    return InceptionNet(design)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("design")
    ap.add_argument("--batch", default="1,3")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with open(args.design) as f:
        design = json.load(f)
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = build(design).eval()
    c, h, w = design["input"]["channels"], design["input"]["height"], design["input"]["width"]
    results = []
    for batch in [int(b) for b in args.batch.split(",")]:
        x = torch.randn(batch, c, h, w)
        for fmt in ("nchw", "channels_last"):
            for mode in ("eager", "torchscript"):
                with torch.no_grad():
                    m = net.to(memory_format=torch.channels_last) if fmt == "channels_last" else net.to(memory_format=torch.contiguous_format)
                    xi = x.to(memory_format=torch.channels_last) if fmt == "channels_last" else x.contiguous()
                    if mode == "torchscript":
                        m = torch.jit.freeze(torch.jit.trace(m, xi, check_trace=False, strict=False))
                    times = []
                    for i in range(args.warmup + args.runs):
                        t0 = time.perf_counter()
                        m(xi)
                        ms = (time.perf_counter() - t0) * 1000
                        if i >= args.warmup:
                            times.append(ms)
                med = statistics.median(times)
                results.append({"batch": batch, "setting": f"{threads} threads, {fmt}, {mode}", "msPerImage": med / batch, "runsMs": times})
    best = {}
    for r in results:
        b = str(r["batch"])
        if b not in best or r["msPerImage"] < best[b]["msPerImage"]:
            best[b] = r
    print(json.dumps({"torch": torch.__version__, "threads": threads, "results": results, "best": best}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
