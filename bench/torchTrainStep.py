#!/usr/bin/python3
"""Times PyTorch training steps for bench/train.ts, one step per request, so the bench can
interleave them with the other engines' steps in the same run.

    /usr/bin/python3 torchTrainStep.py EXPORTED.py CLASS N C H W CLASSES AUX_WEIGHT OPTIMIZER THREADS

Builds the exported network (train mode, seeded), then reads lines from stdin: `nchw` or
`channels_last` runs one step (forward, CE(main) + AUX_WEIGHT·Σ CE(aux), backward, optimizer
step) in that memory layout on a fixed random batch and prints its milliseconds; `quit` ends.
"""
import sys
import time

import torch


def main():
    path, class_name, n, c, h, w, classes, aux_weight, optimizer, threads = sys.argv[1:11]
    n, c, h, w, classes, threads = map(int, (n, c, h, w, classes, threads))
    aux_weight = float(aux_weight)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    namespace = {"__name__": "exported"}
    exec(compile(open(path).read(), path, "exec"), namespace)
    x = torch.randn(n, c, h, w)
    target = torch.arange(n) % classes
    nets = {}
    for layout in ("nchw", "channels_last"):
        net = namespace[class_name]()
        net.train()
        fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
        net = net.to(memory_format=fmt)
        make = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
        opt = make(net.parameters(), lr=1e-3) if optimizer == "adam" else make(net.parameters(), lr=1e-3, momentum=0.9)
        nets[layout] = (net, opt, x.contiguous(memory_format=fmt))
    ce = torch.nn.functional.cross_entropy
    print("ready", flush=True)
    for line in sys.stdin:
        layout = line.strip()
        if layout == "quit":
            break
        net, opt, xs = nets[layout]
        t0 = time.perf_counter()
        out = net(xs)
        outs = out if isinstance(out, tuple) else (out,)
        loss = ce(outs[-1], target) + sum((aux_weight * ce(a, target) for a in outs[:-1]), torch.tensor(0.0))
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"{(time.perf_counter() - t0) * 1000:.3f}", flush=True)


if __name__ == "__main__":
    main()
