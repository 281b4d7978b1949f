/**
 * Debian's PyTorch reference for the tests that compare with it: the interpreter, and whether it
 * imports torch (tests skip, saying so, where it does not; `.ci/run` installs python3-torch).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The interpreter with Debian's python3-torch 1.13 and python3-torchvision 0.14. */
export const PYTHON = '/usr/bin/python3';

/** Whether PYTHON exists and imports torch. */
export const hasTorch: boolean =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
