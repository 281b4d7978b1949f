import type { Design, Issue } from '../core/model/types';
import { issuePath } from '../core/design/designFile';
import { ownText, terminalLines, type OwnText } from '../core/export/escape';

/** Issues as lines for the terminal: the message, then where in the design file it points. */
export function issueLines(issues: readonly Issue[], design: Design): string {
  const head = `The design has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n`;
  return (
    head +
    issues
      .map(
        (i) =>
          terminalLines`  ✗ [${i.code}] ${i.message}  (${issuePath(design, i.nodeId, i.field)})\n`,
      )
      .join('')
  );
}

/**
 * A command's failure as one line for standard error: `inception-explorer <command>: <message>`.
 * A plain message is escaped to one line (it may quote a path, an argument or a file's text);
 * an `OwnText` message keeps the lines its maker escaped piece by piece.
 */
export function failureText(command: string, message: string | OwnText): string {
  return terminalLines`inception-explorer ${ownText(command)}: ${message}\n`;
}
