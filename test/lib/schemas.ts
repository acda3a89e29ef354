// Every --json output the tests produce is checked against its JSON Schema in docs/schemas/ with a
// real validator (Ajv, draft 2020-12). The kind comes from the output's own `format` field, so a
// test cannot check a report against the wrong schema; updating a schema is editing its file.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { reportJson } from '../../src/parser/report-json.js';
import { ROOT } from './images.js';

/** The report as the tests read it. */
export type ReportShape = ReturnType<typeof reportJson> & { source?: { path: string; sha256: string } | null; only?: string[] };

/** `format` value → schema file. */
export const SCHEMAS: Record<string, string> = {
  'ckpt-inspect.report/1': 'report.schema.json',
  'ckpt-inspect.restore/1': 'restore.schema.json',
  'ckpt-inspect.diff/1': 'diff.schema.json',
  'ckpt-inspect.fix/1': 'fix.schema.json',
  'ckpt-inspect.provenance/1': 'provenance.schema.json',
};

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const compiled = new Map<string, ValidateFunction>();

export function schemaValidator(file: string): ValidateFunction {
  let v = compiled.get(file);
  if (!v) {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/schemas', file), 'utf8')) as object;
    v = ajv.compile(schema);
    compiled.set(file, v);
  }
  return v;
}

function check(v: ValidateFunction, value: unknown, what: string): void {
  if (!v(value)) {
    const errs = (v.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    assert.fail(`${what} does not match its schema:\n  ${errs.join('\n  ')}`);
  }
}

/** Parse `text` as one JSON document, check it against the schema its `format` names, return it. */
export function validJson<T = ReportShape>(text: string, expectFormat?: string): T {
  const value = JSON.parse(text) as unknown;
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), 'not a JSON object');
  const format = (value as { format?: unknown }).format;
  assert.equal(typeof format, 'string', 'no format field');
  if (expectFormat !== undefined) assert.equal(format, expectFormat);
  const file = SCHEMAS[format as string];
  assert.ok(file, `no schema for format ${String(format)}`);
  check(schemaValidator(file), value, String(format));
  return value as T;
}

/** Each line of --ndjson output checked against one of the report schema's $defs (record, tty, edge, diagnostic). */
export function validNdjson(text: string, def: 'record' | 'tty' | 'edge' | 'diagnostic'): unknown[] {
  const file = SCHEMAS['ckpt-inspect.report/1'] as string;
  schemaValidator(file);
  const v = ajv.getSchema(`https://ckpt-inspector.invalid/schemas/${file}#/$defs/${def}`);
  assert.ok(v, `no $defs/${def}`);
  assert.ok(text.endsWith('\n') || text === '', 'ndjson ends with a newline');
  const lines = text.split('\n').slice(0, -1);
  return lines.map((l, i) => {
    const value = JSON.parse(l) as unknown;
    check(v, value, `line ${i + 1}`);
    return value;
  });
}
