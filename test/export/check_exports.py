#!/usr/bin/python3
"""Runs exported PyTorch files and reports what they do, for test/export/pytorch.test.ts.

    /usr/bin/python3 test/export/check_exports.py MANIFEST.json RESULTS.json

For each case of the manifest it runs the file's own smoke test (`__main__`), builds the network
class, records its parameter count, state_dict keys and shapes, loads the case's weights with
strict=True, and runs it in train and eval mode on the case's input. The eval-mode output is
compared with every oracle the case names: tools/torch/reference.py (an independent build of the
design file), the engine's outputs, and torchvision's googlenet. The test asserts on the results;
this script only measures, so one interpreter launch covers every case (importing torch is slow).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import traceback

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "torch"))
from exported import load_module, read_safetensors  # noqa: E402


def as_dict(outputs, names: list[str]) -> dict[str, torch.Tensor]:
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    if len(outputs) != len(names):
        raise ValueError(f"the network returned {len(outputs)} outputs; expected {names}")
    return dict(zip(names, outputs))


def compare(ours: dict[str, torch.Tensor], theirs: dict[str, torch.Tensor]) -> dict:
    """max |ours - theirs| and max |theirs| over the outputs both have."""
    names = [n for n in ours if n in theirs]
    if not names:
        return {"ok": False, "error": f"no common outputs: ours {sorted(ours)}, theirs {sorted(theirs)}"}
    diff = max(float((ours[n].double() - theirs[n].double().reshape(ours[n].shape)).abs().max()) for n in names)
    value = max(float(theirs[n].double().abs().max()) for n in names)
    return {"ok": True, "outputs": names, "maxDiff": diff, "maxValue": value}


def guarded(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
        return {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=4)}


def check_case(case: dict) -> dict:
    result: dict = {"name": case["name"]}
    torch.manual_seed(0)

    def smoke():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            runpy.run_path(case["file"], run_name="__main__")
        return {"ok": True, "stdout": out.getvalue()}

    result["smoke"] = guarded(smoke)
    module = load_module(case["file"], f"export_{case['name'].replace('-', '_')}")
    net = getattr(module, case["className"])()
    result["params"] = sum(p.numel() for p in net.parameters())
    result["stateDict"] = [[k, list(v.shape)] for k, v in net.state_dict().items()]
    weights = read_safetensors(case["weights"])
    x = read_safetensors(case["input"])["input"]

    def load():
        net.load_state_dict(weights, strict=True)
        return {"ok": True}

    result["load"] = guarded(load)

    def run():
        # Eval mode only: the smoke test above has shown the train-mode outputs.
        net.eval()
        with torch.no_grad():
            ev = as_dict(net(x), case["evalOutputs"])
        return {"ok": True, "eval": {k: list(v.shape) for k, v in ev.items()}, "values": ev}

    ran = guarded(run)
    ours = ran.pop("values", None)
    result["run"] = ran

    if ours is not None and case.get("reference"):

        def reference():
            from reference import InceptionNet

            with open(case["designFile"]) as f:
                ref = InceptionNet(json.load(f))
            ref.load_state_dict(weights, strict=True)
            ref.eval()
            with torch.no_grad():
                theirs = ref(x)
            return compare(ours, theirs)

        result["reference"] = guarded(reference)

    if ours is not None and case.get("family"):

        def family():
            from family import build

            ref = build(case["family"])
            if list(ref.state_dict()) != list(net.state_dict()):
                raise AssertionError("the export's state_dict keys or their order differ from tools/torch/family's")
            ref.load_state_dict(weights, strict=True)
            net.load_state_dict(weights, strict=True)
            out = {"ok": True, "maxDiff": 0.0, "maxValue": 0.0, "outputs": []}
            for mode in ("eval", "train"):
                for m in (ref, net):
                    m.train(mode == "train")
                    for d in m.modules():
                        if isinstance(d, torch.nn.Dropout):
                            d.eval()
                names = case["evalOutputs"] if mode == "eval" else case["trainOutputs"]
                # Train mode runs batch norm on batch statistics: two images at least.
                xx = x if mode == "eval" or x.shape[0] > 1 else torch.cat([x, x.flip(-1)])
                with torch.no_grad():
                    c = compare(as_dict(net(xx), names), ref(xx))
                out["maxDiff"] = max(out["maxDiff"], c["maxDiff"] / c["maxValue"] if c["maxValue"] else c["maxDiff"])
                out["maxValue"] = 1.0
                out["outputs"] = sorted(set(out["outputs"]) | set(c["outputs"]))
            net.eval()
            return out

        result["family"] = guarded(family)

    if ours is not None and case.get("engineOutputs"):
        result["engine"] = guarded(lambda: engine(case, net))

    if ours is not None and case.get("torchvision"):

        def tv():
            try:
                import torchvision
            except ImportError:
                return {"ok": False, "unavailable": "torchvision is not installed (Debian: python3-torchvision)"}

            name = case["torchvision"] if isinstance(case["torchvision"], str) else "googlenet"
            model = getattr(torchvision.models, name)(weights=None, aux_logits=True, init_weights=False, transform_input=False)
            model.load_state_dict(weights, strict=True)
            model.eval()
            with torch.no_grad():
                theirs = {"main": model(x)}
            return compare(ours, theirs)

        result["torchvision"] = guarded(tv)
    return result


def engine(case: dict, net) -> dict:
    """The export on the engine's own weights and input, against the engine's outputs."""
    weights = read_safetensors(case["engineWeights"])
    net.load_state_dict(weights, strict=True)
    net.eval()
    x = read_safetensors(case["engineInput"])["input"]
    theirs = read_safetensors(case["engineOutputs"])
    with torch.no_grad():
        ours = as_dict(net(x), case["evalOutputs"])
    return compare(ours, {k: v for k, v in theirs.items() if k in ours})


def style(files: list[str]) -> dict:
    try:
        import pycodestyle
    except ImportError:
        return {"available": False, "problems": []}
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        checker = pycodestyle.StyleGuide(max_line_length=100)
        checker.check_files(files)
    return {"available": True, "problems": [line for line in report.getvalue().splitlines() if line.strip()]}


def main() -> None:
    manifest_path, results_path = sys.argv[1:3]
    with open(manifest_path) as f:
        manifest = json.load(f)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    results = {"cases": [], "style": style([c["file"] for c in manifest["cases"]]), "torch": torch.__version__}
    for case in manifest["cases"]:
        results["cases"].append(check_case_safe(case))
    with open(results_path, "w") as f:
        json.dump(results, f, indent=1)


def check_case_safe(case: dict) -> dict:
    try:
        return check_case(case)
    except Exception as e:  # noqa: BLE001
        return {"name": case["name"], "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=6)}


if __name__ == "__main__":
    main()
