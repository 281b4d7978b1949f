#!/usr/bin/python3
"""Gradients of single layers in PyTorch, to check the ONNX Runtime trainer's backward rules
(node/engine/training/ortGradients.test.ts).

    /usr/bin/python3 torchLayerGrad.py CASES.json

CASES.json holds a list of cases, each {id, kind, attrs, inputs: [{shape, data}], state: {key:
{shape, data}}, mask?: {shape, data}, dY: {shape, data}}, attributes as the app names them. For
each case this computes y = layer(inputs) in train mode and the gradients of sum(y * dY) by
torch.autograd, and prints {id: {y, dx0, …, grad:<key>, <key>:next}} as JSON (flat lists).
"""
import json
import sys

import torch
import torch.nn.functional as F


def tensor(t, grad=False):
    return torch.tensor(t["data"], dtype=torch.float32).reshape(t["shape"]).requires_grad_(grad)


def forward(case, xs, state):
    kind, a = case["kind"], case["attrs"]
    lid = case["id"]
    if kind == "conv2d":
        t, b, l, r = a["padding"]
        x = F.pad(xs[0], (l, r, t, b))
        return F.conv2d(x, state[f"{lid}.weight"], state.get(f"{lid}.bias"), stride=a["stride"], groups=a["groups"])
    if kind == "batchNorm2d":
        return F.batch_norm(xs[0], state[f"{lid}.running_mean"], state[f"{lid}.running_var"], state[f"{lid}.weight"], state[f"{lid}.bias"], training=True, momentum=a["momentum"], eps=a["eps"])
    if kind == "relu":
        return F.relu(xs[0])
    if kind in ("maxPool2d", "avgPool2d"):
        t, b, l, r = a["padding"]
        assert t == b and l == r, "the torch reference takes symmetric pool padding"
        if kind == "maxPool2d":
            return F.max_pool2d(xs[0], a["kernel"], a["stride"], (t, l), ceil_mode=a["ceilMode"])
        return F.avg_pool2d(xs[0], a["kernel"], a["stride"], (t, l), ceil_mode=a["ceilMode"], count_include_pad=a["countIncludePad"])
    if kind == "adaptiveAvgPool2d":
        return F.adaptive_avg_pool2d(xs[0], a["output"])
    if kind == "concat":
        return torch.cat(xs, 1)
    if kind == "add":
        return sum(xs[1:], xs[0])
    if kind == "scale":
        return xs[0] * a["factor"]
    if kind == "dropout":
        return xs[0] * tensor(case["mask"])
    if kind == "flatten":
        return torch.flatten(xs[0], 1)
    if kind == "linear":
        return F.linear(xs[0], state[f"{lid}.weight"], state.get(f"{lid}.bias"))
    if kind == "channelAffine":
        s = torch.tensor(a["scale"]).view(1, -1, 1, 1)
        return xs[0] * s + torch.tensor(a["shift"]).view(1, -1, 1, 1)
    raise ValueError(f"no torch reference for {kind}")


def main():
    cases = json.load(open(sys.argv[1]))
    out = {}
    for case in cases:
        xs = [tensor(t, True) for t in case["inputs"]]
        state = {k: tensor(v, not ("running" in k)) for k, v in case["state"].items() if "num_batches" not in k}
        y = forward(case, xs, state)
        (y * tensor(case["dY"])).sum().backward()
        res = {"y": y.detach().flatten().tolist()}
        for i, x in enumerate(xs):
            res[f"dx{i}"] = x.grad.flatten().tolist()
        for k, v in state.items():
            if v.requires_grad:
                res[f"grad:{k}"] = v.grad.flatten().tolist()
            else:
                res[f"{k}:next"] = v.flatten().tolist()
        out[case["name"]] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
