#!/usr/bin/python3
"""Saves a torchvision `googlenet` state_dict as safetensors, for the explorer's
`googlenet-torchvision` preset (`npx inception-explorer run --preset googlenet-torchvision --weights FILE`).

    # torchvision's ImageNet weights (from torch.hub's cache, or downloaded once if online):
    /usr/bin/python3 tools/torch/export_torchvision_weights.py --out googlenet-torchvision.safetensors
    # or a checkpoint you already have (a state_dict, a {"state_dict": …} dict, or a whole model):
    /usr/bin/python3 tools/torch/export_torchvision_weights.py --pth googlenet-1378be20.pth --out googlenet.safetensors

The keys are torchvision's (`conv1.conv.weight`, `inception3a.branch2.1.bn.running_mean`,
`aux1.fc2.bias`, …), which are exactly the preset's.  Tensors are float32, and the
`num_batches_tracked` counters int64.  torchvision's aux heads are not trained (it warns so
itself); they are exported all the same because the preset has them.  Pass --no-aux to leave
them out (then turn the design's aux heads off).
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64", torch.float16: "F16", torch.int32: "I32"}


def state_dict_from(path: str) -> dict[str, torch.Tensor]:
    """A state_dict from a .pth file holding a state_dict, {"state_dict": …}, {"model": …} or a model."""
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    for key in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise SystemExit(f"{path} does not hold a state_dict (a dict of tensor names to tensors).")
    # Checkpoints saved from nn.DataParallel prefix every key with "module.".
    return {k[7:] if k.startswith("module.") else k: v for k, v in obj.items()}


def torchvision_state_dict() -> dict[str, torch.Tensor]:
    """torchvision's IMAGENET1K_V1 googlenet weights, with the aux heads."""
    import torchvision
    from torchvision.models import GoogLeNet_Weights

    weights = GoogLeNet_Weights.IMAGENET1K_V1
    cached = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(weights.url))
    if not os.path.exists(cached):
        print(f"{cached} is not there; torchvision will download {weights.url}.", file=sys.stderr)
    try:
        model = torchvision.models.googlenet(weights=weights, aux_logits=True)
    except Exception as e:  # no network, a damaged cache, …
        raise SystemExit(f"Could not load torchvision's googlenet weights: {e}. Download {weights.url} and pass it with --pth.") from e
    return model.state_dict()


def save_safetensors(tensors: dict[str, torch.Tensor], path: str, metadata: dict[str, str] | None = None) -> None:
    """Writes the safetensors format: an 8-byte little-endian header length, a JSON header
    {key: {dtype, shape, data_offsets}}, then each tensor's little-endian bytes in order."""
    header: dict[str, object] = {"__metadata__": metadata} if metadata else {}
    chunks, offset = [], 0
    for key, t in tensors.items():
        if t.dtype not in DTYPES:
            raise SystemExit(f"{key} has dtype {t.dtype}, which this exporter does not write.")
        data = _le_bytes(t)
        header[key] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def _le_bytes(t: torch.Tensor) -> bytes:
    """A tensor's values as little-endian bytes, in C order."""
    a = t.detach().cpu().contiguous().numpy()
    return a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Save torchvision googlenet weights as safetensors for Inception Explorer.")
    ap.add_argument("--pth", help="a PyTorch checkpoint of torchvision's googlenet (default: torchvision's ImageNet weights)")
    ap.add_argument("--out", default="googlenet-torchvision.safetensors", help="the safetensors file to write")
    ap.add_argument("--no-aux", action="store_true", help="leave out the (untrained) aux heads")
    args = ap.parse_args(argv)
    sd = state_dict_from(args.pth) if args.pth else torchvision_state_dict()
    if args.no_aux:
        sd = {k: v for k, v in sd.items() if not k.startswith(("aux1.", "aux2."))}
    sd = {k: (v.float() if v.is_floating_point() else v.long()) for k, v in sd.items()}
    try:
        from safetensors.torch import save_file
    except ImportError:
        save_safetensors(sd, args.out, {"format": "pt"})
    else:
        save_file(sd, args.out, metadata={"format": "pt"})
    params = sum(v.numel() for k, v in sd.items() if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))
    print(f"wrote {len(sd)} tensors ({params:,} parameters) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
