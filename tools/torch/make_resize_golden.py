"""Writes node/engine/__fixtures__/resize-golden.json: PIL's antialiased bilinear and bicubic
resizes, and torchvision's Resize + CenterCrop as timm's eval transform builds it
(`Resize(math.floor(img_size / crop_pct), BICUBIC)`, `CenterCrop(img_size)`), on a seeded 8-bit
image, for node/engine/imageInput.test.ts.

Run from the repository root: /usr/bin/python3 tools/torch/make_resize_golden.py
"""
import json
import math
import pathlib

import numpy as np
from PIL import Image
from torchvision import transforms

rng = np.random.default_rng(19)
# Smooth structure plus noise, so both shrinking and enlarging have something to resample.
h, w = 40, 50
yy, xx = np.mgrid[0:h, 0:w]
base = np.stack([(xx * 5) % 256, (yy * 6) % 256, ((xx + yy) * 3) % 256], axis=-1)
pixels = np.clip(base + rng.integers(-40, 40, size=(h, w, 3)), 0, 255).astype(np.uint8)
img = Image.fromarray(pixels, "RGB")

cases = []
for method, name in ((Image.BILINEAR, "bilinear"), (Image.BICUBIC, "bicubic")):
    for size in ((23, 17), (71, 57)):
        out = np.asarray(img.resize(size, method))
        cases.append({"interpolation": name, "width": size[0], "height": size[1], "rgb": out.reshape(-1).tolist()})

crops = []
for crop, crop_pct, name, method in ((35, 0.8975, "bicubic", Image.BICUBIC), (35, 0.875, "bicubic", Image.BICUBIC), (24, 0.875, "bilinear", Image.BILINEAR)):
    for rounding in ("floor", "round"):
        side = math.floor(crop / crop_pct) if rounding == "floor" else round(crop / crop_pct)
        t = transforms.Compose([transforms.Resize(side, interpolation=transforms.InterpolationMode(name)), transforms.CenterCrop(crop)])
        out = np.asarray(t(img))
        crops.append({"crop": crop, "cropPct": crop_pct, "rounding": rounding, "interpolation": name, "side": side, "rgb": out.reshape(-1).tolist()})

dest = pathlib.Path("node/engine/__fixtures__/resize-golden.json")
dest.write_text(json.dumps({"width": w, "height": h, "rgb": pixels.reshape(-1).tolist(), "resizes": cases, "crops": crops}, separators=(",", ":")) + "\n")
print(f"wrote {dest} ({dest.stat().st_size} bytes)")
