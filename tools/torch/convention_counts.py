"""Golden figures for core/analysis/conventions.ts: what each counting tool reports for
torchvision's GoogLeNet and Inception v3, measured on the PyTorch models themselves.

The tools (ptflops, thop, fvcore, torchinfo, timm's benchmark) are not installable here (no
PyPI), so each is re-implemented below as a faithful copy of its own counting formulas, hooked
on the real torchvision 0.14 models the same way the tool hooks them: forward hooks on the
module types it registers, patched torch.nn.functional calls (ptflops), or the ops of a JIT
trace (fvcore). Each formula cites the tool's source file it copies. The parameter figures come
from the models' own parameters and buffers, and the BN-folded figure from a real
`torch.onnx.export`.

Run from the repository root with Debian's PyTorch:

    /usr/bin/python3 tools/torch/convention_counts.py   # writes core/analysis/__fixtures__/convention-counts.json

Every figure is for the model in eval mode (what ptflops, thop and timm's benchmark set
themselves, and what torchinfo's `mode="eval"` and fvcore's users do), so aux heads do not run.
Per-image figures run one image, as the tools' defaults do (ptflops builds a batch of 1, timm's
benchmark and thop's README pass one); torchinfo's "Total mult-adds" is for the whole batch of
the preset's input (googlenet-torchvision N=3, inception-v3 N=2).
"""

import io
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

OUT = os.path.join('core', 'analysis', '__fixtures__', 'convention-counts.json')

# (case name, preset, whether the design's aux heads are on, builder, input C×H×W, preset batch)
CASES = [
    ('googlenet-torchvision', 'googlenet-torchvision', True,
     lambda: torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=False,
                                          init_weights=False), (3, 224, 224), 3),
    ('googlenet-torchvision-noaux', 'googlenet-torchvision', False,
     lambda: torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=False,
                                          init_weights=False), (3, 224, 224), 3),
    ('inception-v3', 'inception-v3', True,
     lambda: torchvision.models.inception_v3(weights=None, aux_logits=True, transform_input=False,
                                             init_weights=False), (3, 299, 299), 2),
    ('inception-v3-noaux', 'inception-v3', False,
     lambda: torchvision.models.inception_v3(weights=None, aux_logits=False, transform_input=False,
                                             init_weights=False), (3, 299, 299), 2),
]


def prod(xs):
    p = 1
    for x in xs:
        p *= int(x)
    return p


def leaves(model):
    return [m for m in model.modules() if len(list(m.children())) == 0]


def run_with_hooks(model, x, hooks):
    """hooks: {module type: fn(module, inputs, output) -> int}; returns the summed count."""
    total = [0]
    handles = []
    for m in model.modules():
        fn = hooks.get(type(m))
        if fn is not None:
            handles.append(m.register_forward_hook(
                lambda mod, inp, out, fn=fn: total.__setitem__(0, total[0] + int(fn(mod, inp, out)))))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return total[0]


# --- torchvision: MACs of Conv2d and Linear, the figure torchvision's model docs list ----------

def tv_conv(m, inp, out):
    # out_channels × H_out × W_out × (in_channels / groups) × kh × kw, per image (batch 1)
    return out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]


def tv_linear(m, inp, out):
    return m.in_features * m.out_features * out.shape[0]


TORCHVISION = {nn.Conv2d: tv_conv, nn.Linear: tv_linear}


# --- ptflops 0.7.5, pytorch backend (the default): sovrasov/flops-counter.pytorch --------------
# ptflops/pytorch_ops.py: MODULES_MAPPING hooks on nn modules, and FUNCTIONAL_MAPPING /
# TENSOR_OPS_MAPPING for torch.nn.functional and tensor calls, which pytorch_engine.py's
# patch_functional / patch_tensor_ops install by replacing the attributes of torch.nn.functional
# (count_functional defaults to True). An nn.MaxPool2d's forward itself calls F.max_pool2d, so
# ptflops counts a pool or ReLU module twice: once by its module hook, once by the patched call.

def pt_conv(m, inp, out):
    # conv_flops_counter_hook: prod(kernel) × in_channels × (out_channels / groups) per output
    # position, × batch × prod(output spatial dims); plus batch × prod(output.shape[1:]) with a bias.
    x = inp[0]
    batch = x.shape[0]
    per_position = prod(m.kernel_size) * m.in_channels * (m.out_channels // m.groups)
    active = batch * prod(out.shape[2:])
    bias = batch * prod(out.shape[1:]) if m.bias is not None else 0
    return per_position * active + bias


def pt_relu(m, inp, out):
    return out.numel()  # relu_flops_counter_hook


def pt_pool(m, inp, out):
    return inp[0].numel()  # pool_flops_counter_hook: input elements


def pt_bn(m, inp, out):
    flops = inp[0].numel()  # bn_flops_counter_hook: input elements, × 2 when affine
    return flops * 2 if m.affine else flops


def pt_linear(m, inp, out):
    # linear_flops_counter_hook: (in × out + bias out) × prod(input.shape[:-1])
    x = inp[0]
    bias = out.shape[-1] if m.bias is not None else 0
    return (x.shape[-1] * out.shape[-1] + bias) * prod(x.shape[:-1])


PTFLOPS = {
    nn.Conv2d: pt_conv, nn.ReLU: pt_relu, nn.MaxPool2d: pt_pool, nn.AvgPool2d: pt_pool,
    nn.AdaptiveAvgPool2d: pt_pool, nn.AdaptiveMaxPool2d: pt_pool, nn.BatchNorm2d: pt_bn,
    nn.Linear: pt_linear,
}
# FUNCTIONAL_MAPPING entries that patch_functional installs (F.linear's patch is commented out
# there); _numel_functional_flops_hook counts input.numel().
PTFLOPS_FUNCTIONAL = ['relu', 'prelu', 'elu', 'relu6', 'gelu', 'avg_pool2d', 'max_pool2d',
                      'adaptive_avg_pool2d', 'adaptive_max_pool2d', 'softmax']


def ptflops(model, shape):
    collected = []
    saved = {name: getattr(F, name) for name in PTFLOPS_FUNCTIONAL}

    def wrap(op):
        def wrapper(input, *args, **kwargs):
            collected.append(input.numel())
            return op(input, *args, **kwargs)
        return wrapper

    # patch_tensor_ops: matmul/mm/bmm/addmm/baddbmm/mul/add. Neither network calls any of them
    # (torch.cat, torch.flatten and the `+`/`*` operators are not patched), so record any call.
    tensor_ops = ['matmul', 'mm', 'bmm', 'addmm', 'baddbmm', 'mul', 'add']
    saved_tensor = {name: getattr(torch, name) for name in tensor_ops}

    def tensor_wrap(name, op):
        def wrapper(*args, **kwargs):
            raise AssertionError(f'torch.{name} called: ptflops would count it; add its rule')
        return wrapper

    try:
        for name in PTFLOPS_FUNCTIONAL:
            setattr(F, name, wrap(saved[name]))
        for name in tensor_ops:
            setattr(torch, name, tensor_wrap(name, saved_tensor[name]))
        modules = run_with_hooks(model, torch.ones((1, *shape)), PTFLOPS)
    finally:
        for name, op in saved.items():
            setattr(F, name, op)
        for name, op in saved_tensor.items():
            setattr(torch, name, op)
    # get_flops_pytorch: module flops / batch counter (1) + sum(functional flops)
    return modules + sum(collected)


# --- thop 0.1.1.post2209072238 (pip's current): Lyken17/pytorch-OpCounter -----------------------
# thop/profile.py register_hooks + thop/vision/basic_hooks.py + thop/vision/calc_func.py. Only
# nn modules are hooked (no functional calls); profile() sets model.eval().

def th_conv(m, inp, out):
    # count_convNd → calculate_conv2d_flops: prod(output_size) × (in_c // g) × prod(kernel[2:]); no bias
    return prod(out.shape) * (inp[0].shape[1] // m.groups) * prod(m.weight.shape[2:])


def th_bn(m, inp, out):
    # count_normalization: calculate_norm(x.numel()) = 2 × numel, × 2 when affine
    flops = 2 * inp[0].numel()
    return flops * 2 if m.affine else flops


def th_zero(m, inp, out):
    return 0  # zero_ops: nn.ReLU, nn.MaxPool2d, nn.Dropout


def th_avgpool(m, inp, out):
    return out.numel()  # count_avgpool → calculate_avgpool(y.numel())


def th_adaptive(m, inp, out):
    # count_adap_avgpool: kernel = input spatial / output spatial (true division),
    # int((prod(kernel) + 1) × y.numel())
    kernel = torch.div(torch.DoubleTensor([*(inp[0].shape[2:])]), torch.DoubleTensor([*(out.shape[2:])]))
    total_add = torch.prod(kernel)
    return int((total_add + 1) * out.numel())


def th_linear(m, inp, out):
    return m.in_features * out.numel()  # count_linear → calculate_linear(in_features, y.numel())


THOP = {
    nn.Conv2d: th_conv, nn.BatchNorm2d: th_bn, nn.ReLU: th_zero, nn.MaxPool2d: th_zero,
    nn.AvgPool2d: th_avgpool, nn.AdaptiveAvgPool2d: th_adaptive, nn.Linear: th_linear,
    nn.Dropout: th_zero,
}


# --- torchinfo: TylerYep/torchinfo torchinfo/layer_info.py LayerInfo.calculate_macs -----------
# For each leaf module's parameters named weight/bias: Conv → numel × prod(output[:1] + output[2:]);
# Linear → numel × prod(output[:-1]); anything else (BatchNorm2d) → output[0] × numel. Summed
# over leaf layers (model_statistics.py: total_mult_adds), for the whole batch.

def torchinfo_macs(m, inp, out):
    total = 0
    name = type(m).__name__
    for pname, p in m.named_parameters(recurse=False):
        if pname not in ('weight', 'bias'):
            continue
        if 'Conv' in name:
            total += p.numel() * prod(list(out.shape[:1]) + list(out.shape[2:]))
        elif 'Linear' in name:
            total += p.numel() * prod(out.shape[:-1])
        else:
            total += out.shape[0] * p.numel()
    return total


def torchinfo(model, shape, batch):
    hooks = {type(m): torchinfo_macs for m in leaves(model) if any(True for _ in m.parameters(recurse=False))}
    return run_with_hooks(model, torch.ones((batch, *shape)), hooks)


# --- fvcore: facebookresearch/fvcore fvcore/nn/flop_count.py and jit_handles.py ---------------
# FlopCountAnalysis traces the model and counts the ops of _DEFAULT_SUPPORTED_OPS, one "flop" per
# multiply-add. ActivationCountAnalysis (activation_count.py) counts output elements of
# aten::_convolution and the matmul family (aten::linear, addmm, …); timm's benchmark.py
# (profile_fvcore) reports that total for a batch of 1 as the model's activations.

def shape_of(value):
    try:
        return value.type().sizes()
    except RuntimeError:
        return None


def fvcore(model, shape):
    graph, _ = torch.jit._get_trace_graph(model, (torch.ones((1, *shape)),))
    flops = 0
    activations = 0
    for node in graph.nodes():
        kind = node.kind()
        ins = list(node.inputs())
        outs = list(node.outputs())
        if kind == 'aten::_convolution':
            # conv_flop_jit → conv_flop_count: batch × prod(w_shape) × prod(out_shape[2:]); no bias
            x, w, out = shape_of(ins[0]), shape_of(ins[1]), shape_of(outs[0])
            flops += x[0] * prod(w) * prod(out[2:])
            activations += prod(out)  # generic_activation_jit("conv")
        elif kind in ('aten::linear', 'aten::addmm', 'aten::matmul', 'aten::mm'):
            if kind == 'aten::linear':  # linear_flop_jit: prod(input) × weight.shape[0]
                flops += prod(shape_of(ins[0])) * shape_of(ins[1])[0]
            elif kind == 'aten::addmm':  # addmm_flop_jit: batch × in × out
                a, b = shape_of(ins[1]), shape_of(ins[2])
                flops += a[0] * a[1] * b[1]
            else:  # matmul_flop_jit
                flops += prod(shape_of(ins[0])) * shape_of(ins[1])[-1]
            activations += prod(shape_of(outs[0]))
        elif kind == 'aten::batch_norm':
            # batchnorm_flop_jit: in eval, numel × (2 if affine else 1)
            training = ins[5].toIValue()
            assert training is False, 'the model must be traced in eval mode'
            has_affine = shape_of(ins[1]) is not None
            flops += prod(shape_of(ins[0])) * (2 if has_affine else 1)
        elif kind == 'aten::adaptive_avg_pool2d':
            flops += prod(shape_of(ins[0]))  # elementwise_flop_counter(1, 0): input elements
        elif kind in ('aten::bmm', 'aten::einsum', 'aten::group_norm', 'aten::layer_norm',
                      'aten::instance_norm', 'aten::upsample_nearest2d',
                      'aten::upsample_bilinear2d', 'aten::grid_sampler'):
            raise AssertionError(f'{kind}: fvcore counts it; add its rule')
    return flops, activations


def onnx_params(model, shape):
    """Elements of the floating-point initializers of torch.onnx.export (eval: BN folded)."""
    buf = io.BytesIO()
    torch.onnx.export(model, torch.ones((1, *shape)), buf, opset_version=13,
                      do_constant_folding=True)
    proto = onnx.load_from_string(buf.getvalue())
    total = 0
    for init in proto.graph.initializer:
        if init.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE):
            total += prod(init.dims)
    batch_norms = sum(1 for n in proto.graph.node if n.op_type == 'BatchNormalization')
    identities = sum(1 for n in proto.graph.node if n.op_type == 'Identity')
    return total, batch_norms, identities


def measure(build, shape, batch):
    torch.manual_seed(0)
    model = build().eval()
    # Distinct random statistics: the ONNX exporter merges initializers with equal values (a fresh
    # BN folds to all-zero biases, which it would share), and the count must not depend on them.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    params = sum(p.numel() for p in model.parameters())
    bn_stats = sum(m.running_mean.numel() + m.running_var.numel()
                   for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm))
    torchvision_macs = run_with_hooks(model, torch.ones((1, *shape)), TORCHVISION)
    fv_flops, fv_activations = fvcore(model, shape)
    folded, batch_norms, identities = onnx_params(model, shape)
    assert batch_norms == 0, 'the ONNX export kept a BatchNormalization; it was expected folded'
    assert identities == 0, 'the ONNX export merged equal initializers (Identity nodes)'
    return {
        'params': params,
        'conventions': {
            'torchvision': torchvision_macs,
            'fvcore': fv_flops,
            'ptflops': ptflops(model, shape),
            'thop': run_with_hooks(model, torch.ones((1, *shape)), THOP),
            # TF profiler / torch.utils.flop_counter: 2 FLOPs per conv and matmul multiply-add
            'flops': 2 * torchvision_macs,
            'torchinfo': torchinfo(model, shape, batch),
            # Keras count_params(): trainable + non-trainable weights (BN moving mean and variance)
            'keras': params + bn_stats,
            'onnx-folded': folded,
            'timm-activations': fv_activations,
        },
    }


def main():
    torch.set_num_threads(1)
    cases = []
    for name, preset, aux, build, shape, batch in CASES:
        figures = measure(build, shape, batch)
        cases.append({'name': name, 'preset': preset, 'aux': aux, 'input': list(shape),
                      'batch': batch, **figures})
        print(name, json.dumps(figures), file=sys.stderr)
    with open(OUT, 'w') as f:
        json.dump({
            'source': 'tools/torch/convention_counts.py with torch %s, torchvision %s'
                      % (torch.__version__, torchvision.__version__),
            'cases': cases,
        }, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
