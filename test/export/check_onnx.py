#!/usr/bin/python3
"""Checks exported ONNX models and computes PyTorch's outputs for them, for test/export/onnx.test.ts.

    /usr/bin/python3 test/export/check_onnx.py MANIFEST.json RESULTS.json

For each case of the manifest: every ONNX file is checked with Debian's python3-onnx,
`onnx.checker.check_model(model, full_check=True)` (which also runs strict shape inference), and,
when the case asks for it and torch is installed, tools/torch/reference.py (an independent
PyTorch build of the design file) runs in eval mode on the case's weights and input; its `main`
output is written as raw little-endian float32 for the test to compare with ONNX Runtime's.
This script only measures; the test asserts.
"""
from __future__ import annotations

import json
import os
import sys
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "torch"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def guarded(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
        return {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=4)}


def check(path: str) -> dict:
    import onnx

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    return {"ok": True, "opset": [[o.domain, o.version] for o in model.opset_import], "ir": model.ir_version}


def reference(case: dict) -> dict:
    import torch
    from exported import read_safetensors
    from reference import InceptionNet

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    with open(case["designFile"]) as f:
        design = json.load(f)
    if str(case.get("oracle", "")).startswith("family:"):
        # The family presets' own PyTorch references (tools/torch/family), with the presets' keys.
        from family import build

        net = build(case["oracle"].split(":", 1)[1])
    elif case.get("oracle") == "torchvision-inception-v3":
        # reference.py builds the GoogLeNet family; Inception v3 is torchvision's own model.
        import torchvision

        net = torchvision.models.inception_v3(
            weights=None, aux_logits=True, init_weights=False, transform_input=bool(case.get("transformInput"))
        )
    else:
        try:
            net = InceptionNet(design)
        except ValueError as e:
            if "unknown module kind" not in str(e):
                raise
            if not case.get("pytorchFile"):
                return {"ok": False, "unavailable": f"tools/torch/reference.py cannot build this design: {e}"}
            # A kind reference.py does not build (Inception v3's blocks): the exported PyTorch code.
            from exported import load_module

            net = getattr(load_module(case["pytorchFile"], f"onnx_oracle_{case['name'].replace('-', '_')}"), case["className"])()
    net.load_state_dict(read_safetensors(case["weights"]), strict=True)
    net.eval()
    x = read_safetensors(case["input"])["input"]
    with torch.no_grad():
        y = net(x)
    y = y["main"] if isinstance(y, dict) else y[0] if hasattr(y, "aux_logits") else y
    y.contiguous().float().numpy().astype("<f4").tofile(case["referenceOut"])
    return {"ok": True, "shape": list(y.shape)}


def main() -> None:
    manifest_path, results_path = sys.argv[1:3]
    with open(manifest_path) as f:
        manifest = json.load(f)
    results = {"cases": []}
    try:
        import onnx

        results["onnx"] = onnx.__version__
    except ImportError:
        results["onnx"] = None
    for case in manifest["cases"]:
        r = {"name": case["name"], "checks": {}}
        if results["onnx"]:
            for path in case["onnx"]:
                r["checks"][path] = guarded(lambda: check(path))
        if case.get("referenceOut"):
            r["reference"] = guarded(lambda: reference(case))
        results["cases"].append(r)
    with open(results_path, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
