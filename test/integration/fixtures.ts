// Writes the images the integration tests open, with what a person should see in them, into DIR:
// the golden images when ../shared/golden exists, else the C generator's sample (test/gen/ckpt-gen.c),
// else this project's own writer (test/lib/image-writer.ts). Prints the manifest path.
//   node --import tsx test/integration/fixtures.ts DIR
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openImage } from '../../src/parser/image.js';
import { reportJson } from '../../src/parser/report-json.js';
import { validate } from '../../src/parser/validate/index.js';
import { LAYOUT } from '../../src/parser/layout.js';
import { makeSampleImage } from '../lib/image-writer.js';

export interface Manifest {
  source: 'golden' | 'generator' | 'writer';
  sample: string;
  /** Expected by a person looking at the sample: */
  ptsIndex: number;
  slaveTtyOffset: number;
  masterTtyOffset: number;
  slaveObjref: number;
  slaveLflag: number;
  graph: { nodes: number; edges: number };
  /** The same image with the slave's LDISC datalen set to 5000. */
  damaged: string;
  damagedError: { code: string; offset: number; field: string };
  badMagic: string;
  /** `ckpt-inspect --json` of the sample, for the export command. */
  sampleReport: string;
  /** An 80 MiB image of 1,000 pty pairs among ~80 KiB page BUFFERs (the editor reads it sparsely); absent without the generator. */
  large?: string;
}

const root = resolve(__dirname, '../..');
const GOLDEN = resolve(root, '../shared/golden');

function generator(dir: string): string {
  const gen = join(dir, 'ckpt-gen');
  if (!existsSync(gen)) execFileSync('gcc', ['-O2', '-o', gen, join(root, 'test/gen/ckpt-gen.c')]);
  return gen;
}

function main(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const sample = join(dir, 'sample.ckpt');
  let source: Manifest['source'];
  if (existsSync(join(GOLDEN, 'ok-pair-i386.ckpt'))) {
    copyFileSync(join(GOLDEN, 'ok-pair-i386.ckpt'), sample);
    source = 'golden';
  } else if (existsSync(join(root, 'test/gen/ckpt-gen.c'))) {
    execFileSync(generator(dir), ['sample', sample]);
    source = 'generator';
  } else {
    writeFileSync(sample, makeSampleImage(1));
    source = 'writer';
  }
  const bytes = new Uint8Array(readFileSync(sample));
  // Expectations come from the golden/generator .json where there is one, else from the writer's spec.
  const jsonPath = source === 'golden' ? join(GOLDEN, 'ok-pair-i386.json') : sample.replace(/\.ckpt$/, '.json');
  const g = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : null;
  const slave = g ? g.ttys.find((t: { role: string }) => t.role === 'slave') : { index: 7, objref: 5, termios: { c_lflag: 35387 } };
  const img = openImage(bytes);
  const report = reportJson(img, validate(img));
  // Damage: the slave's LDISC datalen := 5000 (the golden bad-datalen-over-4096 case).
  const slaveTtyOffset: number = g ? g.recordOffsets.slaveTty : img.ttys.find((t) => t.role === 'slave')!.offset;
  const masterTtyOffset: number = g ? g.recordOffsets.masterTty : img.ttys.find((t) => t.role === 'master')!.offset;
  const datalenOff = slaveTtyOffset + LAYOUT.tty.len + LAYOUT.ldisc.fields.get('datalen')!.offset;
  const damagedBytes = bytes.slice();
  new DataView(damagedBytes.buffer).setUint32(datalenOff, 5000, true);
  const damaged = join(dir, 'damaged.ckpt');
  writeFileSync(damaged, damagedBytes);
  const badMagicBytes = bytes.slice();
  badMagicBytes[8] ^= 0xff;
  const badMagic = join(dir, 'bad-magic.ckpt');
  writeFileSync(badMagic, badMagicBytes);
  const sampleReport = join(dir, 'sample.report.json');
  writeFileSync(sampleReport, JSON.stringify(report));
  let large: string | undefined;
  if (existsSync(join(root, 'test/gen/ckpt-gen.c'))) {
    large = join(dir, 'large.ckpt');
    execFileSync(generator(dir), ['bench-pairs', large, String(80 << 20)]);
  }
  const m: Manifest = {
    source,
    sample,
    ptsIndex: slave.index,
    slaveTtyOffset,
    masterTtyOffset,
    slaveObjref: slave.objref,
    slaveLflag: slave.termios.c_lflag,
    graph: { nodes: report.graph.nodes.length, edges: report.graph.edges.length },
    damaged,
    damagedError: { code: 'LDISC_DATALEN', offset: datalenOff, field: 'datalen' },
    badMagic,
    sampleReport,
    ...(large ? { large } : {}),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  process.stdout.write(join(dir, 'manifest.json') + '\n');
}

main(resolve(process.argv[2] ?? 'test-output/integration-workspace'));
