import type { Design, Issue } from '../core/model/types';
import { issuePath } from '../core/design/designFile';
import { terminalText } from '../core/export/escape';

/** Issues as lines for the terminal: the message, then where in the design file it points. */
export function issueLines(issues: readonly Issue[], design: Design): string {
  const head = `The design has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n`;
  return (
    head +
    issues
      .map(
        (i) =>
          `  ✗ [${i.code}] ${terminalText(i.message)}  (${terminalText(issuePath(design, i.nodeId, i.field))})\n`,
      )
      .join('')
  );
}
