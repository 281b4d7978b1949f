"""The project's own PyTorch references for the Inception family presets, written from the papers
and the reference libraries' module layouts (not copied), with the reference libraries' state_dict
keys.  See tools/torch/README.md.

    from family import build, PRESETS
    net = build("inception-resnet-v2")     # an nn.Module; net(x) → {"main": logits, …}
"""
from __future__ import annotations

from .bn_inception import BNInception
from .common import Block, Preprocessing, Reference
from .googlenet_paper import GoogLeNetPaper
from .inception_resnet_v1 import InceptionResNetV1
from .inception_resnet_v2 import InceptionResNetV2
from .inception_v4 import InceptionV4

PRESETS: dict[str, type[Reference]] = {
    "googlenet-paper": GoogLeNetPaper,
    "bn-inception": BNInception,
    "inception-v4": InceptionV4,
    "inception-resnet-v1": InceptionResNetV1,
    "inception-resnet-v2": InceptionResNetV2,
}

# The figures each reference must give (shared/spec/family.md); None where the preset is ours.
EXPECTED_PARAMS: dict[str, tuple[int, int] | None] = {
    "googlenet-paper": (13_378_280, 6_998_552),
    "bn-inception": (11_295_240, 11_295_240),
    "inception-v4": (42_679_816, 42_679_816),
    "inception-resnet-v1": None,
    "inception-resnet-v2": (55_843_464, 55_843_464),
}


def build(name: str, num_classes: int = 1000) -> Reference:
    """A fresh reference network for a preset name (PyTorch's default initialization)."""
    if name not in PRESETS:
        raise ValueError(f"unknown family preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name](num_classes=num_classes)


__all__ = ["Block", "Preprocessing", "Reference", "PRESETS", "EXPECTED_PARAMS", "build"]
