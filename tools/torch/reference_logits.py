#!/usr/bin/python3
"""Logits of a reference network loaded with a checkpoint the way its library loads it, on an input
the app dumped (`run --dump DIR` writes DIR/input.safetensors, key `input`, N×C×H×W float32).

    /usr/bin/python3 tools/torch/reference_logits.py --preset inception-v4 \
        --checkpoint inception-v4-cadene-1001.pth --input DIR/input.safetensors
    → {"preset": …, "checkpoint": …, "classes": 1000, "droppedBackground": true,
       "float32Error": 3e-6, "logits": [[…], …]}

float32Error is max |float32 logits − float64 logits| / max |float64 logits|: PyTorch's own rounding
on the case, which bounds how close any float32 engine can be expected to come.

How each library loads its trained weights:
- googlenet-torchvision: torchvision builds googlenet(aux_logits=True), load_state_dict (strict), then
  drops the aux heads (aux_logits=False, aux1 = aux2 = None); init_weights=False.
- inception-v3: the same with inception_v3 and AuxLogits.
- inception-v4, inception-resnet-v2, bn-inception: the project's references in tools/torch/family/
  (timm's and Cadene's keys). A 1001-class classifier (Cadene's TF ports) runs as 1001 classes and
  output 0 (background) is dropped, so output i is ImageNet class i. Cadene's IRv2 `last_linear`
  is timm's `classif` (the reference uses timm's name).
`--transform-input` turns on torchvision's transform_input (googlenet, v3), which its pretrained
weights use; off by default so the input is taken as is. A `module.` prefix (DataParallel) is
stripped first, as users of these libraries do. Prints the logits as JSON on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exported import read_safetensors  # noqa: E402
from family import build  # noqa: E402

PRESETS = ("googlenet-torchvision", "inception-v3", "inception-v4", "inception-resnet-v2", "bn-inception")
CLASSIFIER = {"inception-v4": "last_linear", "inception-resnet-v2": "classif", "bn-inception": "last_linear"}


def load_checkpoint(path: str) -> dict[str, torch.Tensor]:
    sd = read_safetensors(path) if path.endswith(".safetensors") else torch.load(path, map_location="cpu")
    if isinstance(sd, dict) and isinstance(sd.get("state_dict"), dict):
        sd = sd["state_dict"]
    return {(k[7:] if k.startswith("module.") else k): v for k, v in sd.items()}


def reference(preset: str, sd: dict[str, torch.Tensor], transform_input: bool) -> tuple[torch.nn.Module, bool]:
    """The reference network with the checkpoint loaded, and whether output 0 is a background class."""
    import torchvision

    if preset == "googlenet-torchvision":
        net = torchvision.models.googlenet(aux_logits=True, transform_input=transform_input, init_weights=False)
        net.load_state_dict(sd)
        net.aux_logits, net.aux1, net.aux2 = False, None, None
        return net, False
    if preset == "inception-v3":
        net = torchvision.models.inception_v3(aux_logits=True, transform_input=transform_input, init_weights=False)
        net.load_state_dict(sd)
        net.aux_logits, net.AuxLogits = False, None
        return net, False
    head = CLASSIFIER[preset]
    if preset == "inception-resnet-v2" and "last_linear.weight" in sd:
        sd = {("classif" + k[len("last_linear"):] if k.startswith("last_linear.") else k): v for k, v in sd.items()}
    classes = sd[f"{head}.weight"].shape[0]
    net = build(preset, num_classes=classes)
    net.load_state_dict(sd)
    return net, classes == 1001


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Logits of a reference network with a checkpoint, as JSON.")
    ap.add_argument("--preset", required=True, choices=PRESETS)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--input", required=True, help="safetensors with key `input` (N×C×H×W float32)")
    ap.add_argument("--transform-input", action="store_true", help="torchvision's transform_input (googlenet, v3)")
    ap.add_argument(
        "--from-half-range",
        action="store_true",
        help="the input is in [-1, 1] (the app folds transform_input into its photo preparation): "
        "turn it back into ImageNet-normalized input first, so --transform-input redoes the rescaling",
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    inputs = read_safetensors(args.input)
    if "input" not in inputs:
        raise SystemExit(f"{args.input} has no tensor named `input` (it has {', '.join(inputs) or 'none'}).")
    x = inputs["input"]
    if args.from_half_range:
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        x = ((x * 0.5 + 0.5) - mean) / std
    net, background = reference(args.preset, load_checkpoint(args.checkpoint), args.transform_input)
    net.eval()
    with torch.no_grad():
        y = net(x)
        if isinstance(y, dict):
            y = y["main"]
        # PyTorch's own float32 error on this case: how far its float32 logits are from float64's.
        y64 = net.double()(x.double())
        if isinstance(y64, dict):
            y64 = y64["main"]
    float32_error = ((y.double() - y64).abs().max() / y64.abs().max()).item()
    if background:
        y = y[:, 1:]
    json.dump(
        {
            "preset": args.preset,
            "checkpoint": os.path.basename(args.checkpoint),
            "classes": y.shape[1],
            "droppedBackground": background,
            "float32Error": float32_error,
            "logits": y.tolist(),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
