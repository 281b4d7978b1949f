/** Output-size arithmetic shared by convolutions and pools, with PyTorch's rounding rules. */
import type { Padding4, Pair } from '../model/types';

/** Convolution output length: floor((in + pads − k) / s) + 1. */
export function convLength(
  input: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
): number {
  return Math.floor((input + padBefore + padAfter - kernel) / stride) + 1;
}

/**
 * Pool output length as PyTorch computes it: floor or ceil, and in ceil mode the last window
 * must start inside the input or its left padding.
 */
export function poolLength(
  input: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  ceil: boolean,
): number {
  const span = input + padBefore + padAfter - kernel;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (out - 1) * stride >= input + padBefore) out -= 1;
  return out;
}

export function fmtPair(p: Pair): string {
  return p[0] === p[1] ? `${p[0]}` : `${p[0]}×${p[1]}`;
}

export function fmtKernel(p: Pair): string {
  return `${p[0]}×${p[1]}`;
}

export function fmtPadding(p: Padding4): string {
  if (p[0] === p[1] && p[2] === p[3]) return p[0] === p[2] ? `${p[0]}` : `${p[0]}×${p[2]}`;
  return `[${p.join(',')}]`;
}
