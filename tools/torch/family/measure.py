"""Figures of a family reference, measured with forward hooks: every block's and every layer's
output shape, parameters, buffers and MACs per image, the totals, and the ordered state_dict.

MACs are multiply-accumulates per image of conv and linear layers only, as core counts them:
conv = output elements per image × in_channels/groups × kh × kw; linear = in × out features.
"""
from __future__ import annotations

import torch
from torch import nn

from .common import Reference

LAYER_TYPES = (
    nn.Conv2d,
    nn.BatchNorm2d,
    nn.Linear,
    nn.MaxPool2d,
    nn.AvgPool2d,
    nn.AdaptiveAvgPool2d,
    nn.LocalResponseNorm,
    nn.Dropout,
)


def layer_macs(m: nn.Module, out: torch.Tensor) -> int:
    """MACs per image of one conv or linear call (0 for other layers)."""
    if isinstance(m, nn.Conv2d):
        return out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
    if isinstance(m, nn.Linear):
        return m.in_features * m.out_features
    return 0


def is_buffer_value(key: str) -> bool:
    """Batch-norm running statistics count as buffers; the num_batches_tracked counters do not."""
    return key.endswith(".running_mean") or key.endswith(".running_var")


def measure(net: Reference, batch: int = 1) -> dict:
    """Runs the network once in eval mode on zeros of [batch, *input_size] with its aux heads,
    and returns {input, blocks, layers, totals, stateDict}."""
    blocks = {b.name: b for b in net.blocks}
    block_shapes: dict[str, list[int]] = {}
    block_macs = {b.name: 0 for b in net.blocks}
    layers: list[dict] = []
    names = {m: n for n, m in net.named_modules()}

    def on_tap(name: str, x: torch.Tensor) -> None:
        if name not in blocks:
            raise KeyError(f"forward reported a block {name!r} that `blocks` does not declare")
        if name in block_shapes:
            raise KeyError(f"forward reported block {name!r} twice")
        block_shapes[name] = list(x.shape)

    def on_layer(m: nn.Module, _inp, out: torch.Tensor) -> None:
        qn = names[m]
        owner = net.block_of(qn)
        if owner is None:
            raise KeyError(f"layer {qn} belongs to no block")
        macs = layer_macs(m, out)
        block_macs[owner] += macs
        layers.append(
            {
                "name": qn,
                "type": type(m).__name__,
                "block": owner,
                "shape": list(out.shape),
                "params": sum(p.numel() for p in m.parameters(recurse=False)),
                "macs": macs,
            }
        )

    hooks = [m.register_forward_hook(on_layer) for m in net.modules() if isinstance(m, LAYER_TYPES)]
    was_training = net.training
    net.eval()
    net._tap_hook = on_tap
    try:
        with torch.no_grad():
            net(torch.zeros(batch, *net.input_size), all_outputs=True)
    finally:
        net._tap_hook = None
        for h in hooks:
            h.remove()
        net.train(was_training)

    missing = [b for b in blocks if b not in block_shapes]
    if missing:
        raise KeyError(f"blocks declared but never reported by forward: {missing}")
    params = {b: 0 for b in blocks}
    buffers = {b: 0 for b in blocks}
    for key, value in net.state_dict().items():
        owner = net.block_of(key.rsplit(".", 1)[0])
        if owner is None:
            raise KeyError(f"state_dict key {key} belongs to no block")
        if is_buffer_value(key):
            buffers[owner] += value.numel()
    for key, p in net.named_parameters():
        params[net.block_of(key.rsplit(".", 1)[0])] += p.numel()  # type: ignore[index]
    order = list(block_shapes)  # execution order, as reported
    if order != [b.name for b in net.blocks]:
        raise AssertionError(f"`blocks` is not in execution order: {order} vs {[b.name for b in net.blocks]}")
    out_blocks = [
        {
            "name": b.name,
            "kind": b.kind,
            "label": b.label,
            "aux": b.aux,
            "shape": block_shapes[b.name],
            "params": params[b.name],
            "buffers": buffers[b.name],
            "macs": block_macs[b.name],
        }
        for b in net.blocks
    ]
    main = [b for b in out_blocks if not b["aux"]]
    totals = {
        "params": sum(b["params"] for b in out_blocks),
        "paramsEval": sum(b["params"] for b in main),
        "macs": sum(b["macs"] for b in main),
        "macsTrain": sum(b["macs"] for b in out_blocks),
        "buffers": sum(b["buffers"] for b in out_blocks),
        "buffersEval": sum(b["buffers"] for b in main),
    }
    if totals["params"] != sum(p.numel() for p in net.parameters()):
        raise AssertionError("block parameters do not add up to the network's")
    return {
        "input": [batch, *net.input_size],
        "blocks": out_blocks,
        "layers": layers,
        "totals": totals,
        "stateDict": [[k, list(v.shape)] for k, v in net.state_dict().items()],
    }
