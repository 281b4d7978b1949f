#!/usr/bin/python3
"""One training step in PyTorch, to check the engine's (node/engine/training/parity.test.ts).

    /usr/bin/python3 torchStep.py EXPORTED.py DUMP_DIR sgd|adam LR MOMENTUM WEIGHT_DECAY AUX_WEIGHT

Loads the exported network with DUMP_DIR/init.safetensors (strict), runs one step in train mode
with dropout off on DUMP_DIR/batch.safetensors (loss = CE(main) + AUX_WEIGHT * CE(each aux head)),
torch.optim.SGD or Adam, and prints, for every state_dict tensor, the largest difference from
DUMP_DIR/weights.safetensors (the engine's result) and the largest update PyTorch made, and how
many ReLU inputs lay within 1e-5 of 0, as JSON.
"""
import json
import re
import struct
import sys

import numpy as np
import torch

KINK = 1e-5
DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def main():
    path, dump, optimizer, lr, momentum, weight_decay, aux_weight = sys.argv[1:8]
    lr, momentum, weight_decay, aux_weight = map(float, (lr, momentum, weight_decay, aux_weight))
    source = open(path).read()
    class_name = re.search(r"^\s*model = (\w+)\(\)", source, re.M).group(1)
    namespace = {"__name__": "exported"}
    exec(compile(source, path, "exec"), namespace)
    torch.manual_seed(0)
    net = namespace[class_name]()
    init = read_safetensors(f"{dump}/init.safetensors")
    net.load_state_dict(init, strict=True)
    # Activations this close to a ReLU's kink may fall on the other side in another float32
    # engine (forward passes agree to ~1e-5), which moves one element's gradient from one side to
    # the other: a discontinuity no engine can reproduce, counted so the test can pick a batch
    # without one.
    kinks = []

    def count_kinks(module, inputs):
        kinks.append(int((inputs[0].detach().abs() < KINK).sum()))

    for m in net.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
        if isinstance(m, torch.nn.ReLU):
            m.register_forward_pre_hook(count_kinks)
    net.train()
    batch = read_safetensors(f"{dump}/batch.safetensors")
    x, target = batch["input"], batch["target"]
    if optimizer == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    out = net(x)
    outs = out if isinstance(out, tuple) else (out,)
    main_out, aux = outs[-1], outs[:-1]
    ce = torch.nn.functional.cross_entropy
    loss = ce(main_out, target) + sum((aux_weight * ce(a, target) for a in aux), torch.tensor(0.0))
    opt.zero_grad()
    loss.backward()
    opt.step()
    ours = read_safetensors(f"{dump}/weights.safetensors")
    theirs = net.state_dict()
    rows = []
    for key, t in theirs.items():
        o = ours[key]
        rows.append(
            {
                "key": key,
                "maxDiff": float((o.double() - t.double()).abs().max()),
                "maxUpdate": float((t.double() - init[key].double()).abs().max()),
            }
        )
    print(json.dumps({"loss": float(loss), "nearKinks": sum(kinks), "tensors": rows, "missing": sorted(set(theirs) - set(ours))}))


if __name__ == "__main__":
    main()
