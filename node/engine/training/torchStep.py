#!/usr/bin/python3
"""One training step in PyTorch, to check the engine's (node/engine/training/parity.test.ts).

    /usr/bin/python3 torchStep.py EXPORTED.py DUMP_DIR sgd|adam LR MOMENTUM WEIGHT_DECAY AUX_WEIGHT

Loads the exported network with DUMP_DIR/init.safetensors (strict), runs one step in train mode
with dropout off on DUMP_DIR/batch.safetensors (loss = CE(main) + AUX_WEIGHT * CE(each aux head)),
torch.optim.SGD or Adam, and prints, for every state_dict tensor, the largest difference from
DUMP_DIR/weights.safetensors (the engine's result) the largest update PyTorch made and
PyTorch's own noise floor (see main), and how many ReLU inputs lay within 1e-5 of 0, as JSON.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "torch"))
from exported import network_class, read_safetensors  # noqa: E402

KINK = 1e-5


def main():
    path, dump, optimizer, lr, momentum, weight_decay, aux_weight = sys.argv[1:8]
    lr, momentum, weight_decay, aux_weight = map(float, (lr, momentum, weight_decay, aux_weight))
    make = network_class(path)
    init = read_safetensors(f"{dump}/init.safetensors")
    batch = read_safetensors(f"{dump}/batch.safetensors")
    x, target = batch["input"], batch["target"]
    after, grads, loss, kinks = step(make, init, x, target, optimizer, lr, momentum, weight_decay, aux_weight)
    # PyTorch's own float32 noise floor: the same step on the input perturbed by 1e-6 (relative,
    # below what two engines' forward passes differ by) moves elements across ReLU kinks and
    # changes many tensors by more than 1e-3 of their update; the largest change over three
    # perturbations bounds what any float32 engine can be asked to match.
    noise = {k: 0.0 for k in after}
    grad_noise = {k: 0.0 for k in grads}
    generator = torch.Generator().manual_seed(1)
    for _ in range(3):
        wobble = 1 + 1e-6 * torch.randn(x.shape, generator=generator)
        other, other_grads, _, _ = step(make, init, x * wobble, target, optimizer, lr, momentum, weight_decay, aux_weight)
        for k in after:
            noise[k] = max(noise[k], float((other[k].double() - after[k].double()).abs().max()))
        for k in grads:
            grad_noise[k] = max(grad_noise[k], float((other_grads[k] - grads[k]).abs().max()))
    ours = read_safetensors(f"{dump}/weights.safetensors")
    rows = []
    for key, t in after.items():
        diff = (ours[key].double() - t.double()).abs()
        undecided = 0
        if optimizer == "adam" and key in grads:
            # Adam's first step is lr·g/(|g| + eps) ≈ lr·sign(g): where |g| is within PyTorch's own
            # gradient noise, the sign (so the direction of the step) is rounding's choice.
            noisy = grads[key].abs() <= 2 * grad_noise[key]
            undecided = int(noisy.sum())
            diff = torch.where(noisy, torch.zeros_like(diff), diff)
        rows.append(
            {
                "key": key,
                "maxDiff": float(diff.max()),
                "undecided": undecided,
                "maxUpdate": float((t.double() - init[key].double()).abs().max()),
                "maxAbs": float(t.double().abs().max()),
                "torchNoise": noise[key],
            }
        )
    missing = sorted(set(after) - set(ours))
    print(json.dumps({"loss": loss, "nearKinks": kinks, "tensors": rows, "missing": missing}))


def step(make, init, x, target, optimizer, lr, momentum, weight_decay, aux_weight):
    """One optimizer step from `init`: the state_dict after it, the gradients, the loss, the near-kink count."""
    torch.manual_seed(0)
    net = make()
    net.load_state_dict(init, strict=True)
    # Activations this close to a ReLU's kink may fall on the other side in another float32
    # engine (forward passes agree to ~1e-5), which moves one element's gradient from one side to
    # the other: a discontinuity no engine can reproduce; counted for the report.
    kinks = []

    def count_kinks(module, inputs):
        kinks.append(int((inputs[0].detach().abs() < KINK).sum()))

    for m in net.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
        if isinstance(m, torch.nn.ReLU):
            m.register_forward_pre_hook(count_kinks)
    net.train()
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
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    grads = {k: p.grad.detach().clone() for k, p in net.named_parameters()}
    return state, grads, float(loss), sum(kinks)


if __name__ == "__main__":
    main()
