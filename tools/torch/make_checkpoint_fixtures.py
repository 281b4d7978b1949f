"""Writes the torch.save fixtures of node/checkpoint/__fixtures__ and their expected values.

Run with /usr/bin/python3 (torch 1.13): python3 tools/torch/make_checkpoint_fixtures.py
Hostile files are only written, never loaded: their pickles name callables that torch.load
would call. The files are small (a few KB each) and committed; the tests read them, not Python.
"""

import collections
import io
import json
import os
import pickle
import struct
import subprocess
import zlib

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "node", "checkpoint", "__fixtures__")


def state_dict():
    g = torch.Generator().manual_seed(19)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(4, 3, 2, 2, generator=g)
    sd["conv.bias"] = torch.randn(4, generator=g).half()
    sd["bn.weight"] = torch.randn(4, generator=g).bfloat16()
    sd["bn.bias"] = torch.randn(4, generator=g, dtype=torch.float64)
    sd["bn.num_batches_tracked"] = torch.tensor(1234, dtype=torch.int64)
    sd["fc.weight"] = torch.randn(3, 5, generator=g).t()  # transposed: strides (1, 5)
    big = torch.randn(4, 6, generator=g)
    sd["slice.weight"] = big[1:3, 2:5]  # storage offset 8, strides (6, 1)
    shared = torch.randn(2, 3, generator=g)
    sd["shared.a"] = shared
    sd["shared.b"] = shared[1]  # same storage, offset 3
    sd["param.weight"] = torch.nn.Parameter(torch.randn(2, generator=g))
    sd["mask.int"] = torch.tensor([1, -2, 3], dtype=torch.int32)
    return sd


def expected(sd):
    return {
        k: {
            "shape": list(v.shape),
            "values": v.detach().double().flatten().tolist(),
            "dtype": str(v.dtype),
        }
        for k, v in sd.items()
    }


def nested(sd):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    return {
        "epoch": 3,
        "best_acc": 0.75,
        "state_dict": sd,
        "optimizer": opt.state_dict(),
        "arch": "tiny",
    }


def save(obj, name, legacy):
    path = os.path.join(OUT, name)
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    return path


# --- hostile pickles -------------------------------------------------------------------------


class Reduces:
    """Pickles as a call of `fn(*args)`; never unpickled here."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class Arbitrary:
    """Any class with a __reduce__ of its own (pickled as __main__.Arbitrary)."""

    def __reduce__(self):
        return (Arbitrary, ())


def hostile(callable_obj):
    sd = collections.OrderedDict()
    # A real tensor before the culprit: its storage must never be read.
    sd["ok.weight"] = torch.ones(3)
    sd["evil"] = callable_obj
    return sd


HOSTILE = {
    "posix-system": Reduces(os.system, ("echo pwned",)),
    "builtins-exec": Reduces(exec, ("print('pwned')",)),
    "builtins-eval": Reduces(eval, ("1+1",)),
    "os-popen": Reduces(os.popen, ("echo pwned",)),
    "subprocess-popen": Reduces(subprocess.Popen, (["echo", "pwned"],)),
    "arbitrary-class": Arbitrary(),
}


class FakeStorage:
    def __init__(self, key, numel, type_name="FloatStorage"):
        self.key, self.numel, self.type_name = key, numel, type_name


class FakeTensor:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        rank = len(self.shape)
        stride = tuple(int(torch.tensor(self.shape[i + 1:]).prod()) for i in range(rank))
        return (
            torch._utils._rebuild_tensor_v2,
            (self.storage, 0, tuple(self.shape), stride, False, collections.OrderedDict()),
        )


class FakePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", getattr(torch, obj.type_name), obj.key, "cpu", obj.numel)
        return None


def fake_pickle(obj):
    f = io.BytesIO()
    FakePickler(f, protocol=2).dump(obj)
    return f.getvalue()


def make_zip(path, entries):
    """A zip of (name, method, payload, declared_size) written by hand, so sizes can lie."""
    out = bytearray()
    central = bytearray()
    for name, method, payload, declared in entries:
        n = name.encode()
        data = zlib.compress(payload, 9)[2:-4] if method == 8 else payload
        crc = zlib.crc32(payload)
        offset = len(out)
        z64 = declared >= 0xFFFFFFFF
        size32 = 0xFFFFFFFF if z64 else declared
        extra = struct.pack("<HHQ", 1, 8, declared) if z64 else b""
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50, 45, 0, method, 0, 0, crc, len(data), size32, len(n), len(extra),
        )
        out += n + extra + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 45, 45, 0, method, 0, 0, crc, len(data), size32,
            len(n), len(extra), 0, 0, 0, 0, offset,
        )
        central += n + extra
    cd_offset = len(out)
    out += central
    count = len(entries)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), cd_offset, 0)
    with open(path, "wb") as f:
        f.write(out)


def legacy_bytes(main_pickle, keys, storages):
    """A legacy torch.save file around a hand-made main pickle; storages are (count, raw bytes)."""
    out = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    out += pickle.dumps(1001, protocol=2)
    sys_info = {
        "protocol_version": 1001,
        "little_endian": True,
        "type_sizes": {"short": 2, "int": 4, "long": 4},
    }
    out += pickle.dumps(sys_info, protocol=2)
    out += main_pickle
    out += pickle.dumps(keys, protocol=2)
    for count, raw in storages:
        out += struct.pack("<q", count) + raw
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    save(sd, "plain-zip.pth", legacy=False)
    save(sd, "plain-legacy.pth", legacy=True)
    save(nested(sd), "nested-zip.pt", legacy=False)
    save(nested(sd), "nested-legacy.pt", legacy=True)
    save(sd, "pytorch_model.bin", legacy=False)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected(sd), f, indent=0)

    for name, obj in HOSTILE.items():
        save(hostile(obj), f"hostile-{name}-zip.pth", legacy=False)
        save(hostile(obj), f"hostile-{name}-legacy.pth", legacy=True)

    tiny = torch.ones(6).numpy().tobytes()
    w = FakeTensor(FakeStorage("0", 1_000_000), [1000, 1000])
    claim = fake_pickle(collections.OrderedDict(w=w))
    # A zip whose storage declares 1,000,000 floats but holds 6.
    make_zip(
        os.path.join(OUT, "overclaim-zip.pth"),
        [("archive/data.pkl", 0, claim, len(claim)), ("archive/data/0", 0, tiny, len(tiny))],
    )
    # A legacy file whose storage record says 1,000,000 elements and holds 6.
    with open(os.path.join(OUT, "overclaim-legacy.pth"), "wb") as f:
        f.write(legacy_bytes(claim, ["0"], [(1_000_000, tiny)]))
    # A zip bomb: data.pkl declares 400 bytes but inflates to 16 MiB of zeros.
    make_zip(os.path.join(OUT, "bomb-zip.pth"), [("archive/data.pkl", 8, b"\0" * (16 << 20), 400)])
    # A zip whose data.pkl declares 8 GiB (zip64) and holds a few bytes.
    small = fake_pickle(collections.OrderedDict())
    make_zip(os.path.join(OUT, "huge-entry-zip.pth"), [("archive/data.pkl", 0, small, 8 << 30)])
    # Truncated copies of good files.
    for fmt in ("zip", "legacy"):
        src, dst = f"plain-{fmt}.pth", f"truncated-{fmt}.pth"
        with open(os.path.join(OUT, src), "rb") as f:
            data = f.read()
        with open(os.path.join(OUT, dst), "wb") as f:
            f.write(data[:len(data) - 40])


if __name__ == "__main__":
    main()
