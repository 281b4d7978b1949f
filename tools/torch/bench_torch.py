#!/usr/bin/python3
"""PyTorch's eval-mode forward-pass speed for a design, for `inception-explorer bench`.

    /usr/bin/python3 tools/torch/bench_torch.py DESIGN.json --batch 1,3 [--warmup 10] [--runs 5]

Builds the design with tools/torch/reference.py (torchvision's inception_v3 for that preset), and
times it in several settings: every core as intra-op threads, NCHW or channels_last memory
format, eager or TorchScript (traced and frozen, which lets oneDNN fuse conv + BN + ReLU).
Prints one JSON object: {"torch": version, "threads": n, "results": [{"batch", "setting",
"msPerImage", "runsMs"}], "best": {batch: {...}}}. Each setting's figure is the median of the
timed runs after the warm-up runs; "best" is the fastest setting per batch.

    /usr/bin/python3 tools/torch/bench_torch.py DESIGN.json --serve [--warmup 10] [--runs 5]

Serves `bench`, so PyTorch's samples interleave with ONNX Runtime's in one run (issue 21): each
line read is a command, each answer one JSON line. `choose B` times every setting at batch B as
above and keeps the fastest ({"torch", "threads", "results", "best"}); `time B` runs the kept
setting once more ({"ms"}); end of input ends the process.
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


def settings(net: torch.nn.Module, x: torch.Tensor):
    """Each setting's name, model and input: NCHW or channels_last, eager or TorchScript (traced, frozen)."""
    for fmt in ("nchw", "channels_last"):
        for mode in ("eager", "torchscript"):
            with torch.no_grad():
                m = net.to(memory_format=torch.channels_last) if fmt == "channels_last" else net.to(memory_format=torch.contiguous_format)
                xi = x.to(memory_format=torch.channels_last) if fmt == "channels_last" else x.contiguous()
                if mode == "torchscript":
                    m = torch.jit.freeze(torch.jit.trace(m, xi, check_trace=False, strict=False))
            yield f"{fmt}, {mode}", m, xi


def once(m, xi) -> float:
    """One forward pass's wall time, ms."""
    with torch.no_grad():
        t0 = time.perf_counter()
        m(xi)
        return (time.perf_counter() - t0) * 1000


def choose(net, design, batch: int, warmup: int, runs: int, threads: int):
    """Times every setting at this batch; returns the results and the fastest setting's model and input."""
    c, h, w = design["input"]["channels"], design["input"]["height"], design["input"]["width"]
    x = torch.randn(batch, c, h, w)
    results, fastest = [], None
    for name, m, xi in settings(net, x):
        times = [once(m, xi) for _ in range(warmup + runs)][warmup:]
        med = statistics.median(times)
        r = {"batch": batch, "setting": f"{threads} threads, {name}", "msPerImage": med / batch, "runsMs": times}
        results.append(r)
        if fastest is None or r["msPerImage"] < fastest[0]["msPerImage"]:
            fastest = (r, m, xi)
    return results, fastest


def serve(net, design, warmup: int, runs: int, threads: int) -> int:
    kept = {}
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "choose":
            batch = int(words[1])
            results, fastest = choose(net, design, batch, warmup, runs, threads)
            kept[batch] = fastest
            answer = {"torch": torch.__version__, "threads": threads, "results": results, "best": {str(batch): fastest[0]}}
        elif len(words) == 2 and words[0] == "time" and int(words[1]) in kept:
            _, m, xi = kept[int(words[1])]
            answer = {"ms": once(m, xi)}
        else:
            answer = {"error": f"unknown command {line.strip()!r}; expected 'choose B' or 'time B' after 'choose B'"}
        print(json.dumps(answer), flush=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("design")
    ap.add_argument("--batch", default="1,3")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    with open(args.design) as f:
        design = json.load(f)
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = build(design).eval()
    if args.serve:
        return serve(net, design, args.warmup, args.runs, threads)
    results = []
    for batch in [int(b) for b in args.batch.split(",")]:
        results += choose(net, design, batch, args.warmup, args.runs, threads)[0]
    best = {}
    for r in results:
        b = str(r["batch"])
        if b not in best or r["msPerImage"] < best[b]["msPerImage"]:
            best[b] = r
    print(json.dumps({"torch": torch.__version__, "threads": threads, "results": results, "best": best}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
