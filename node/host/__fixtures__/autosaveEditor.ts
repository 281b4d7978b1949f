/**
 * A stand-in editing session for the autosave kill test: opens the store in argv[2] and autosaves
 * one edit after another (each a whole design-sized document), printing `saved N` after each,
 * until it is killed. With argv[3] === 'quit' it saves three edits and quits cleanly instead.
 */
import { AutosaveStore } from '../autosaveStore';

const store = await AutosaveStore.open(process.argv[2]);
const padding = 'x'.repeat(64 * 1024);
const edit = (n: number) => ({
  path: '/designs/net.json',
  text: JSON.stringify({ name: `edit ${n}`, n, padding }),
});
if (process.argv[3] === 'quit') {
  for (let n = 1; n <= 3; n++) await store.save(edit(n));
  await store.closeCleanly();
  process.stdout.write('quit\n');
} else {
  for (let n = 1; ; n++) {
    await store.save(edit(n));
    process.stdout.write(`saved ${n}\n`);
  }
}
