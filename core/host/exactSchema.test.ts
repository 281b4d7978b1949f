// The schemas and the contract's types are one fact: `exactSchema` fails to compile when a schema
// parses to a narrower or a wider type than the contract declares. Each `@ts-expect-error` below
// is a mismatch that must not compile; `npm run typecheck` fails if any of them starts compiling.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EXPORT_FORMAT_NAMES, type DesignFile, type HostApi } from './contract';
import { exactSchema, hostArgSchemas, type SameType } from './schemas';
import type { RunInput, RunRequest } from '../run/types';

type ExportRequest = Parameters<HostApi['exportFile']>[0];
const exportShape = {
  format: z.enum(EXPORT_FORMAT_NAMES),
  suggestedName: z.string(),
  content: z.union([z.string(), z.custom<Uint8Array>((b) => b instanceof Uint8Array)]),
  base64: z.boolean().optional(),
};

describe('exactSchema ties each schema to its contract type both ways', () => {
  it('accepts the schemas the host validates with', () => {
    const same: SameType<
      z.output<(typeof hostArgSchemas)['run']>,
      Parameters<HostApi['run']>
    > = true;
    expect(same).toBe(true);
    const exact = exactSchema<ExportRequest>()(z.strictObject(exportShape));
    expect(
      exact.safeParse({ format: 'onnx', suggestedName: 'a.onnx', content: 'AA', base64: true })
        .success,
    ).toBe(true);
  });

  it('refuses a schema narrower than the contract', () => {
    // A format list cut to two formats.
    // @ts-expect-error the schema accepts fewer formats than ExportFormat names
    exactSchema<ExportRequest>()(
      z.strictObject({ ...exportShape, format: z.enum(['pytorch', 'onnx']) }),
    );
    // An optional member deleted (as deleting RunRequest.featureMaps from the run schema would be).
    const { base64: _dropped, ...withoutBase64 } = exportShape;
    // @ts-expect-error base64 is missing from the schema
    exactSchema<ExportRequest>()(z.strictObject(withoutBase64));
    // A union case deleted.
    // @ts-expect-error the image input is missing
    exactSchema<RunInput>()(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('random') }),
        z.strictObject({ kind: z.literal('sample'), name: z.string() }),
      ]),
    );
    // A nullable member made non-null.
    // @ts-expect-error path must be nullable
    exactSchema<DesignFile>()(z.strictObject({ path: z.string(), text: z.string() }));
    expect(true).toBe(true);
  });

  it('refuses a schema wider than the contract', () => {
    // @ts-expect-error an extra member the contract does not declare
    exactSchema<DesignFile>()(
      z.strictObject({ path: z.string().nullable(), text: z.string(), extra: z.number() }),
    );
    // @ts-expect-error a format the contract does not name
    exactSchema<ExportRequest>()(
      z.strictObject({ ...exportShape, format: z.enum([...EXPORT_FORMAT_NAMES, 'tflite']) }),
    );
    // @ts-expect-error the real run-request schema, widened to also accept null
    exactSchema<RunRequest>()(hostArgSchemas.run.def.items[1].or(z.null()));
    // @ts-expect-error a wider argument tuple
    exactSchema<Parameters<HostApi['cancelRun']>>()(z.tuple([z.string(), z.string()]));
    expect(true).toBe(true);
  });
});
