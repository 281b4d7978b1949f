"""Deterministic seeded weights and inputs, bit for bit the same as core/weights/init.ts.

Every value is a counter-based hash of (seed, tensor key, index), so any tensor can be made on its
own and in any order.  The TypeScript code works in JavaScript doubles with 32-bit integer hashing;
this port does the same with numpy uint32 and float64 arrays and rounds to float32 at the end,
exactly where the TypeScript code stores into a Float32Array.

    from weights import init_state_dict, random_input
    sd = init_state_dict(model.state_dict(), seed=0, scheme="randomized")   # {key: np.ndarray}
    x = random_input([3, 3, 224, 224], seed=42)                             # float32, N·C·H·W
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import numpy as np

SCHEMES = ("pytorch", "randomized")

_M1 = np.uint32(0x7FEB352D)
_M2 = np.uint32(0x846CA68B)
_GOLDEN = np.uint32(0x9E3779B9)


def hash32(x: np.ndarray | int) -> np.ndarray | int:
    """lowbias32 (Chris Wellons), on a uint32 array or on one Python int."""
    if isinstance(x, (int, np.integer)):
        return int(hash32(np.array([int(x) & 0xFFFFFFFF], dtype=np.uint32))[0])
    x = np.asarray(x, dtype=np.uint32)
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint32(16))
        x = x * _M1
        x = x ^ (x >> np.uint32(15))
        x = x * _M2
        return x ^ (x >> np.uint32(16))


def fnv1a(s: str) -> int:
    """FNV-1a over the string's UTF-16 code units (state_dict keys are ASCII)."""
    h = 0x811C9DC5
    for unit in np.frombuffer(s.encode("utf-16-le"), dtype="<u2"):
        h = ((h ^ int(unit)) * 0x01000193) & 0xFFFFFFFF
    return h


def stream_base(seed: int, key: str) -> int:
    """The stream base of a tensor: mixes the seed and the key."""
    return hash32((fnv1a(key) ^ hash32(seed & 0xFFFFFFFF)) & 0xFFFFFFFF)


def uniform_at(base: int, index: np.ndarray) -> np.ndarray:
    """U[0, 1) as float64 for stream elements `index` (uint32): 24 random bits, exact in float32."""
    i = np.asarray(index, dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = hash32(np.uint32(base) + i * _GOLDEN)
    return (h >> np.uint32(8)).astype(np.float64) / 16777216.0


def fill_uniform(n: int, seed: int, key: str, lo: float, hi: float) -> np.ndarray:
    """n values of U[lo, hi) for a stream, float32 (computed in float64 as JavaScript does)."""
    base = stream_base(seed, key)
    span = hi - lo
    u = uniform_at(base, np.arange(n, dtype=np.uint32))
    return (lo + span * u).astype(np.float32)


def fill_normal(n: int, seed: int, key: str) -> np.ndarray:
    """n standard normal values by Box–Muller on uniforms 2i and 2i+1, float64 then float32."""
    base = stream_base(seed, key)
    i = np.arange(n, dtype=np.uint32)
    with np.errstate(over="ignore"):
        two_i = i * np.uint32(2)
    u1 = 1.0 - uniform_at(base, two_i)
    u2 = uniform_at(base, two_i + np.uint32(1))
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)).astype(np.float32)


def _size(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def fan_in(weight_shape: Sequence[int]) -> int:
    """fan_in as PyTorch computes it: shape[1] × receptive field (shape[0] for rank 1)."""
    if len(weight_shape) < 2:
        return int(weight_shape[0])
    return int(weight_shape[1]) * _size(weight_shape[2:])


def init_tensor(key: str, shape: Sequence[int], weight_shape: Sequence[int], seed: int, scheme: str, counter: bool = False) -> np.ndarray:
    """One state_dict tensor, as float32 of `shape` (int64 zeros for counters).

    `weight_shape` is the shape of the owning layer's weight: the fan-in for biases, and rank 1
    marks a batch norm.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    shape = tuple(int(d) for d in shape)
    if counter:
        return np.zeros(shape, dtype=np.int64)
    n = _size(shape)
    leaf = key[key.rfind(".") + 1 :]
    is_bn = leaf in ("running_mean", "running_var") or (len(weight_shape) == 1 and leaf in ("weight", "bias"))
    if is_bn:
        one = leaf in ("weight", "running_var")
        if scheme == "pytorch":
            return np.full(shape, 1.0 if one else 0.0, dtype=np.float32)
        lo, hi = (0.5, 1.5) if one else (-0.1, 0.1)
        return fill_uniform(n, seed, key, lo, hi).reshape(shape)
    bound = 1.0 / math.sqrt(fan_in(weight_shape))
    return fill_uniform(n, seed, key, -bound, bound).reshape(shape)


def state_dict_entries(state_dict: Mapping[str, object]) -> list[tuple[str, tuple[int, ...], tuple[int, ...], bool]]:
    """(key, shape, weight_shape, is_counter) for each entry of a PyTorch-like state_dict.

    The weight shape of a tensor is that of its sibling `<prefix>.weight`, as core's
    stateDictSpec takes it from the layer owning the tensor.
    """
    shapes = {k: tuple(int(d) for d in v.shape) for k, v in state_dict.items()}  # type: ignore[attr-defined]
    out = []
    for key, shape in shapes.items():
        prefix = key[: key.rfind(".")]
        weight_shape = shapes.get(f"{prefix}.weight", shape)
        out.append((key, shape, weight_shape, key.endswith(".num_batches_tracked")))
    return out


def init_state_dict(state_dict: Mapping[str, object], seed: int, scheme: str = "pytorch") -> dict[str, np.ndarray]:
    """Deterministic weights for every key of a state_dict (only keys and shapes are read)."""
    return {
        key: init_tensor(key, shape, weight_shape, seed, scheme, counter)
        for key, shape, weight_shape, counter in state_dict_entries(state_dict)
    }


def init_from_spec(spec: Iterable[Mapping[str, object]], seed: int, scheme: str = "pytorch") -> dict[str, np.ndarray]:
    """Weights from core's stateDictSpec as JSON ({key, shape, role, weightShape} entries)."""
    return {
        e["key"]: init_tensor(e["key"], e["shape"], e["weightShape"], seed, scheme, e["role"] == "counter")  # type: ignore[index,arg-type]
        for e in spec
    }


def random_input(shape: Sequence[int], seed: int) -> np.ndarray:
    """A seeded standard-normal float32 tensor in N·C·H·W order (key "input")."""
    return fill_normal(_size(shape), seed, "input").reshape(tuple(int(d) for d in shape))
