#!/usr/bin/python3
"""Reference-style checkpoints for the end-to-end weight-loading parity tests: random, seeded weights
saved the way each reference library saves (and names) them, with batch-norm statistics calibrated
on real photos so a network's output depends on its input.

    /usr/bin/python3 tools/torch/make_reference_checkpoints.py OUT_DIR              # every file, ~1 min
    /usr/bin/python3 tools/torch/make_reference_checkpoints.py OUT_DIR --only inception-v4-timm
    /usr/bin/python3 tools/torch/make_reference_checkpoints.py OUT_DIR --keys-only  # NAME.keys.json only

Files (torch 1.13 zip format unless "legacy", i.e. _use_new_zipfile_serialization=False):
  googlenet-torchvision.pth           torchvision googlenet(aux_logits=True) state_dict, with the aux
                                      heads, as torchvision's googlenet-1378be20.pth holds them
  googlenet-torchvision-legacy.pth    the same, legacy format
  inception-v3-dataparallel.pth       torchvision inception_v3 saved from nn.DataParallel: `module.` keys
  inception-v4-timm.safetensors       timm inception_v4 names, 1000 classes (as timm's hub files)
  inception-v4-cadene-1001.pth        legacy; Cadene inceptionv4: `last_linear` with 1001 classes,
                                      row 0 background, no num_batches_tracked (pre-0.4.1 PyTorch)
  inception-resnet-v2-timm.pth        timm inception_resnet_v2 names (`classif`)
  inception-resnet-v2-cadene-1001.pth legacy; Cadene inceptionresnetv2 (`last_linear`, 1001, no counters)
  bn-inception-cadene.pth             legacy; Cadene bninception (no counters)

The 1001-class files are their 1000-class twin with a background row put first, so dropping row 0
gives the twin's logits exactly. The batch-norm statistics come from running each network in train
mode with momentum=None (a plain average) over 2 batches of 4 random crops and flips of
assets/samples/*.jpg, preprocessed as the reference's trained weights expect (shared/spec/family.md).
Deterministic: every network's weights and crops are seeded.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Callable

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_torchvision_weights import save_safetensors  # noqa: E402
from family import build  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLES = os.path.join(ROOT, "assets", "samples")

IMAGENET = ("RGB", 1.0, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
INCEPTION = ("RGB", 1.0, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
CAFFE_BGR = ("BGR", 255.0, (104.0, 117.0, 128.0), (1.0, 1.0, 1.0))


def torchvision_googlenet() -> nn.Module:
    import torchvision

    return torchvision.models.googlenet(aux_logits=True, transform_input=False, init_weights=True)


def torchvision_inception_v3() -> nn.Module:
    import torchvision

    return torchvision.models.inception_v3(aux_logits=True, transform_input=False, init_weights=True)


# network name → (builder, input size, preprocessing, seed)
NETWORKS: dict[str, tuple[Callable[[], nn.Module], int, tuple, int]] = {
    "googlenet": (torchvision_googlenet, 224, IMAGENET, 101),
    "inception-v3": (torchvision_inception_v3, 299, IMAGENET, 102),
    "inception-v4": (lambda: build("inception-v4"), 299, INCEPTION, 103),
    "inception-resnet-v2": (lambda: build("inception-resnet-v2"), 299, INCEPTION, 104),
    "bn-inception": (lambda: build("bn-inception"), 224, CAFFE_BGR, 105),
}


def no_counters(sd: dict) -> dict:
    return {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}


def with_background_row(sd: dict, head: str, seed: int) -> dict:
    """A 1001-class classifier: a random background row 0 before the 1000 ImageNet rows."""
    g = torch.Generator().manual_seed(seed)
    out = dict(sd)
    w, b = sd[f"{head}.weight"], sd[f"{head}.bias"]
    out[f"{head}.weight"] = torch.cat([(torch.rand(1, w.shape[1], generator=g) - 0.5) * 0.02, w])
    out[f"{head}.bias"] = torch.cat([torch.zeros(1), b])
    return out


def renamed(sd: dict, old: str, new: str) -> dict:
    return {(new + k[len(old):] if k.startswith(old + ".") else k): v for k, v in sd.items()}


# file name → (network, how to turn its calibrated state_dict into the file's, format)
FILES: dict[str, tuple[str, Callable[[dict], dict], str]] = {
    "googlenet-torchvision.pth": ("googlenet", lambda sd: sd, "zip"),
    "googlenet-torchvision-legacy.pth": ("googlenet", lambda sd: sd, "legacy"),
    "inception-v3-dataparallel.pth": ("inception-v3", lambda sd: {f"module.{k}": v for k, v in sd.items()}, "zip"),
    "inception-v4-timm.safetensors": ("inception-v4", lambda sd: sd, "safetensors"),
    "inception-v4-cadene-1001.pth": (
        "inception-v4",
        lambda sd: no_counters(with_background_row(sd, "last_linear", 7)),
        "legacy",
    ),
    "inception-resnet-v2-timm.pth": ("inception-resnet-v2", lambda sd: sd, "zip"),
    "inception-resnet-v2-cadene-1001.pth": (
        "inception-resnet-v2",
        lambda sd: no_counters(with_background_row(renamed(sd, "classif", "last_linear"), "last_linear", 8)),
        "legacy",
    ),
    "bn-inception-cadene.pth": ("bn-inception", no_counters, "legacy"),
}


def load_samples() -> list[torch.Tensor]:
    """The sample photos as float RGB tensors in [0, 1], 3×H×W."""
    from PIL import Image

    out = []
    for name in sorted(os.listdir(SAMPLES)):
        if name.lower().endswith((".jpg", ".jpeg", ".png")):
            with Image.open(os.path.join(SAMPLES, name)) as im:
                im = im.convert("RGB")
                im.thumbnail((400, 400))
                data = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8)
                out.append(data.view(im.height, im.width, 3).permute(2, 0, 1).float() / 255.0)
    if not out:
        raise SystemExit(f"No sample photos in {SAMPLES}.")
    return out


def calibration_batches(photos: list[torch.Tensor], size: int, prep: tuple, seed: int, batches: int, batch: int):
    """Random crops (40–100% of the shorter side), flips, resized to size×size, preprocessed."""
    import torch.nn.functional as F

    order, scale, mean, std = prep
    g = torch.Generator().manual_seed(seed)
    mean_t, std_t = torch.tensor(mean).view(3, 1, 1), torch.tensor(std).view(3, 1, 1)
    out = []
    for _ in range(batches):
        xs = []
        for i in range(batch):
            p = photos[int(torch.randint(len(photos), (1,), generator=g))]
            _, h, w = p.shape
            s = max(8, int(min(h, w) * (0.4 + 0.6 * float(torch.rand(1, generator=g)))))
            y0 = int(torch.randint(h - s + 1, (1,), generator=g))
            x0 = int(torch.randint(w - s + 1, (1,), generator=g))
            c = p[:, y0:y0 + s, x0:x0 + s]
            if float(torch.rand(1, generator=g)) < 0.5:
                c = c.flip(2)
            c = F.interpolate(c[None], size=(size, size), mode="bilinear", align_corners=False)[0]
            if order == "BGR":
                c = c.flip(0)
            xs.append((c * scale - mean_t) / std_t)
        out.append(torch.stack(xs))
    return out


def calibrated_state_dict(network: str, photos: list[torch.Tensor], batches: int = 2, batch: int = 4) -> dict:
    """A seeded network's state_dict with batch-norm statistics averaged over real batches."""
    builder, size, prep, seed = NETWORKS[network]
    torch.manual_seed(seed)
    net = builder()
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    net.train()
    with torch.no_grad():
        for x in calibration_batches(photos, size, prep, seed, batches, batch):
            net(x)
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = 0.1
    net.eval()
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def save(sd: dict, path: str, fmt: str) -> None:
    if fmt == "safetensors":
        save_safetensors(sd, path)
    else:
        torch.save(sd, path, _use_new_zipfile_serialization=(fmt == "zip"))


def keys_of(network: str) -> dict:
    """The network's state_dict without calibration (keys and shapes are all --keys-only needs)."""
    builder, _, _, seed = NETWORKS[network]
    torch.manual_seed(seed)
    return builder().state_dict()


DTYPE_NAMES = {torch.float32: "F32", torch.int64: "I64"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--only", action="append", help="a file name (with or without extension); repeatable")
    ap.add_argument("--keys-only", action="store_true", help="write NAME.keys.json (keys, shapes, dtypes) instead of tensors")
    ap.add_argument("--batches", type=int, default=2, help="calibration batches (default 2)")
    ap.add_argument("--batch-size", type=int, default=4, help="photos per calibration batch (default 4)")
    args = ap.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    names = list(FILES)
    if args.only:
        stems = {n: os.path.splitext(n)[0] for n in names}
        unknown = [o for o in args.only if o not in names and o not in stems.values()]
        if unknown:
            raise SystemExit(f"unknown file {unknown[0]!r}; choose from {', '.join(stems.values())}")
        names = [n for n in names if n in args.only or stems[n] in args.only]
    os.makedirs(args.out_dir, exist_ok=True)
    photos = None if args.keys_only else load_samples()
    cache: dict[str, dict] = {}
    for name in names:
        network, make, fmt = FILES[name]
        if network not in cache:
            cache[network] = keys_of(network) if args.keys_only else calibrated_state_dict(network, photos, args.batches, args.batch_size)
        sd = make(cache[network])
        if args.keys_only and name.endswith("-legacy.pth"):
            continue  # the same keys as its zip-format twin
        if args.keys_only:
            path = os.path.join(args.out_dir, os.path.splitext(name)[0] + ".keys.json")
            rows = [[k, list(v.shape), DTYPE_NAMES.get(v.dtype, str(v.dtype))] for k, v in sd.items()]
            with open(path, "w") as f:
                f.write('{"file": %s, "keys": [\n' % json.dumps(name))
                f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in rows))
                f.write("\n]}\n")
        else:
            path = os.path.join(args.out_dir, name)
            save(sd, path, fmt)
        print(f"{path}: {len(sd)} keys", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
