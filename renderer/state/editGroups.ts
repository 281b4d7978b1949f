/**
 * Undo grouping: typing "300" into one field is one undo step, not three. An edit with the same
 * group as the previous edit (same module and field, no other action or blur in between) is not
 * recorded as a new undo step. Deterministic: no timers.
 */
let last: string | null = null;
let skip = false;

export const editGroups = {
  /** Called before a design change; `group` names the field being typed into, or null. */
  begin(group: string | null): void {
    skip = group !== null && group === last;
    last = group;
  },
  end(): void {
    skip = false;
  },
  /** Whether the change in progress continues the previous undo step. */
  skipRecording(): boolean {
    return skip;
  },
  /** Ends the current group (a field lost focus, or undo/redo ran). */
  reset(): void {
    last = null;
    skip = false;
  },
};
