// Hostile input through the real CLI (issue #11): every test here fails without its fix.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, watch, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROOT } from '../lib/images.js';
import { errorPair, HDR, record, recordOffsets, SAMPLE, sampleWith } from '../lib/splice.js';

/** Offset of `flags` (__u64) in struct ckpt_hdr_tty, from the format reference §10.2. */
const TTY_FLAGS_AT = 32;

const BIN = join(ROOT, 'bin/ckpt-inspect.js');

function cli(args: string[], opts: { input?: Uint8Array } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input: opts.input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

const dir = mkdtempSync(join(tmpdir(), 'ckpt-hostile-'));

/** Nothing a terminal would act on. */
function assertInert(s: string, what: string) {
  assert.doesNotMatch(s.replace(/\n/g, ''), /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/, what);
}

test('1 terminal escapes: an ERROR record cannot set the title, clear the screen or forge a summary line', () => {
  const evil = '\x1b]0;pwned\x07\x1b[2J\x1b[H\n\n0 error(s), 0 warning(s)\n\u202e\x9b31m';
  const f = join(dir, 'error-text.ckpt');
  writeFileSync(f, sampleWith(...errorPair(evil)));
  for (const args of [[f], ['set', f, 'ttys[0].winsize.ws_col=100', '-o', join(dir, 'out.ckpt')]]) {
    const r = cli(args);
    assert.equal(r.code, 1, r.err);
    assertInert(r.out, `stdout of ${args[0]}`);
    assertInert(r.err, `stderr of ${args[0]}`);
    const all = r.out + r.err;
    assert.match(all, /ERROR_RECORD .*: "\\x1b\]0;pwned\\x07\\x1b\[2J\\x1b\[H\\x0a\\x0a0 error\(s\), 0 warning\(s\)\\x0a\\u\{202e\}\\u\{9b\}31m"/);
    assert.doesNotMatch(all, /^0 error\(s\)/m);
  }
  const r = cli([f]);
  assert.match(r.out, /^1 error\(s\), 0 warning\(s\)$/m);
  // --json: exact value, written with JSON escapes only.
  const j = cli(['--json', f]);
  assertInert(j.out, 'json');
  const d = JSON.parse(j.out).diagnostics.find((x: { code: string }) => x.code === 'ERROR_RECORD');
  assert.match(d.message, /\\x1b\]0;pwned/);
});

test('1 terminal escapes: file names from arguments, -o and source.path are escaped on stdout and stderr', () => {
  const name = join(dir, 'a\x1b]0;t\x07\u202eb.ckpt');
  writeFileSync(name, sampleWith());
  const rep = cli([name]);
  assert.equal(rep.code, 0, rep.err);
  assertInert(rep.out, 'report');
  assert.ok(rep.out.includes('a\\x1b]0;t\\x07\\u{202e}b.ckpt: '), rep.out.slice(0, 200));
  const j = cli(['--json', name]);
  assertInert(j.out, 'json');
  assert.equal(JSON.parse(j.out).source.path, name);
  const missing = cli([join(dir, 'no\x1b[2Jsuch\n0 error(s).ckpt')]);
  assert.equal(missing.code, 2);
  assertInert(missing.err, 'missing');
  assert.match(missing.err, /no\\x1b\[2Jsuch\\x0a0 error/);
  const out = join(dir, 'o\x1b[31m\u2066.ckpt');
  const s = cli(['set', name, 'ttys[0].winsize.ws_col=100', '-o', out]);
  assert.equal(s.code, 0, s.err);
  assertInert(s.err, 'set');
  assert.match(s.err, /wrote .*o\\x1b\[31m\\u\{2066\}\.ckpt/);
  // A save that fails quotes the name too.
  const failed = cli(['set', name, 'ttys[0].winsize.ws_col=100', '-o', join(dir, 'no\x1b[2Jdir\n0 error(s)', 'x.ckpt')]);
  assert.equal(failed.code, 2);
  assertInert(failed.err, 'failed save');
  assert.match(failed.err, /no\\x1b\[2Jdir\\x0a0 error\(s\)\/x\.ckpt: not written: the folder does not exist; no file was created/);
});

/** tty flags of the sample's TTY records, read from the bytes (u64 little-endian at payload offset 32). */
function ttyFlagsOf(b: Uint8Array): bigint[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return recordOffsets(b)
    .filter((o) => v.getUint32(o, true) === HDR.TTY)
    .map((o) => v.getBigUint64(o + TTY_FLAGS_AT, true));
}

test('2 64-bit flags: set writes exactly the value asked, --json and the report show it exactly, encode keeps it', () => {
  const f = join(dir, 'flags.ckpt');
  writeFileSync(f, sampleWith());
  const all = cli(['set', f, 'ttys[0].flags=0xffffffffffffffff', '--force']);
  assert.equal(all.code, 1, all.err); // every bit: CKPT_TTY_BAD, refused by restart, written with --force
  assert.doesNotMatch(all.err, /internal error/);
  assert.equal(ttyFlagsOf(readFileSync(f))[0], 0xffffffffffffffffn);
  const v = 0x8000000000000a00n | (1n << 52n) | 1n; // bit 63, bit 52 and bit 0 beside the ldisc bits
  const s = cli(['set', f, `ttys[0].flags=${v}`]);
  assert.doesNotMatch(s.err, /internal error/, s.err);
  assert.equal(ttyFlagsOf(readFileSync(f))[0], v);
  const j = cli(['--json', f]);
  assert.equal(JSON.parse(j.out).ttys[0].flags, v.toString());
  assert.match(cli([f]).out, new RegExp(`flags 0x${v.toString(16)} TTY_THROTTLED TTY_LDISC TTY_LDISC_OPEN 0x${(v & ~0xa01n).toString(16)}`));
  // The unedited JSON encodes to the identical bytes; an edited bit lands exactly.
  const doc = JSON.parse(j.out);
  doc.ttys[0].flags = (v | (1n << 62n)).toString();
  const jf = join(dir, 'flags.json');
  writeFileSync(jf, JSON.stringify(doc));
  const e = cli(['encode', jf, '-o', join(dir, 'flags-enc.ckpt')]);
  assert.doesNotMatch(e.err, /internal error/, e.err);
  assert.equal(ttyFlagsOf(readFileSync(join(dir, 'flags-enc.ckpt')))[0], v | (1n << 62n));
});

test('2 64-bit flags: a bit above 2^53 does not hide TTY_CLOSING from the validator, and bit 63 does not invent an error', () => {
  const f = join(dir, 'closing61.ckpt');
  writeFileSync(f, sampleWith());
  const c = cli(['set', f, `ttys[1].flags=${0xa80n | (1n << 61n)}`]);
  assert.equal(c.code, 1);
  assert.match(c.err, /not written: the edit introduces 1 error/);
  assert.match(c.err, /TTY_FLAGS_BAD/);
  const h = cli(['set', f, `ttys[1].flags=${0xa00n | (1n << 63n)}`]);
  assert.equal(h.code, 0, h.err);
  assert.doesNotMatch(cli([f]).out, /TTY_LDISC_FLAGS/);
});

test('3 --force gate: a second error of a code the image has is new; an old error moved by the edit is not', () => {
  const f = join(dir, 'force.ckpt');
  writeFileSync(f, sampleWith());
  assert.equal(cli(['set', f, 'ttys[1].flags.TTY_CLOSING=1', '--force']).code, 1);
  const before = readFileSync(f);
  // The slave's TTY_FLAGS_BAD moves with its record when the master's pending input shrinks: not new.
  const moved = cli(['set', f, 'ttys[0].ldisc.data=hello\\n']);
  assert.match(moved.err, /wrote /, moved.err);
  assert.equal(moved.code, 1);
  // The same code on the other tty is a new error: refused, file unchanged.
  const second = join(dir, 'force2.ckpt');
  writeFileSync(second, before);
  const r = cli(['set', second, 'ttys[0].flags.TTY_CLOSING=1']);
  assert.equal(r.code, 1);
  assert.match(r.err, /not written: the edit introduces 1 error\(s\)/);
  assert.deepEqual(readFileSync(second), before);
  assert.match(cli(['set', second, 'ttys[0].flags.TTY_CLOSING=1', '--force']).err, /wrote /);
});

/** The CLI run with raw (Buffer) arguments, as a shell passes a name that is not UTF-8. */
function cliRaw(args: (string | Buffer)[]) {
  // spawnSync takes strings only; a shell script passes the bytes through untouched.
  const sh = join(dir, 'run.sh');
  writeFileSync(sh, Buffer.concat([Buffer.from(`exec "${process.execPath}" "${BIN}"`), ...args.map((a) => Buffer.concat([Buffer.from(" '"), Buffer.from(a), Buffer.from("'")])), Buffer.from('\n')]));
  const r = spawnSync('sh', [sh], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('5 special files: a FIFO, /dev/zero, a directory and a terminal-less device are refused at once, not read', () => {
  const fifo = join(dir, 'in.fifo');
  spawnSync('mkfifo', [fifo]);
  for (const [f, kind] of [[fifo, 'a FIFO'], ['/dev/zero', 'a character device'], [dir, 'a directory']] as const) {
    const r = spawnSync(process.execPath, [BIN, f], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.signal, null, `${f} blocked`);
    assert.equal(r.status, 2, f);
    assert.match(r.stderr, new RegExp(`cannot read: it is ${kind}; only a regular file`), f);
  }
  const z = spawnSync('sh', ['-c', `exec "${process.execPath}" "${BIN}" - < /dev/zero`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(z.signal, null, 'stdin from /dev/zero read forever');
  assert.equal(z.status, 2);
  assert.match(z.stderr, /standard input.*it is a character device/);
});

test('6 JSON that names a file descriptor: a path in JSON is a string or it is refused', () => {
  const f = join(dir, 'fd.ckpt');
  writeFileSync(f, sampleWith());
  const doc = JSON.parse(cli(['--json', f]).out);
  for (const path of [5, 0, { fd: 5 }, ['x'], null]) {
    doc.source.path = path;
    const jf = join(dir, 'fd.json');
    writeFileSync(jf, JSON.stringify(doc));
    const r = spawnSync(process.execPath, [BIN, 'encode', jf, '-o', join(dir, 'fd-out.ckpt')], { encoding: 'utf8', timeout: 20_000, input: '' });
    assert.equal(r.signal, null, `hung on ${JSON.stringify(path)}`);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /names no source image/);
  }
});

test('7 saving over what is not a plain file: a FIFO, a device and a directory are refused; a symlinked image is saved through the link', () => {
  const f = join(dir, 'save.ckpt');
  writeFileSync(f, sampleWith());
  const fifo = join(dir, 'out.fifo');
  spawnSync('mkfifo', [fifo]);
  const r = spawnSync(process.execPath, [BIN, 'set', f, 'ttys[0].winsize.ws_col=100', '-o', fifo], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not written: it is a FIFO; only a regular file is replaced/);
  assert.ok(lstatSync(fifo).isFIFO());
  // A device node of our own (a copy of /dev/null's numbers), so the test never touches /dev.
  const dev = join(dir, 'null-dev');
  if (spawnSync('mknod', [dev, 'c', '1', '3']).status === 0) {
    const d = cli(['set', f, 'ttys[0].winsize.ws_col=100', '-o', dev]);
    assert.match(d.err, /it is a character device/);
    assert.ok(lstatSync(dev).isCharacterDevice());
  }
  const sub = join(dir, 'a-dir');
  mkdirSync(sub, { recursive: true });
  assert.match(cli(['set', f, 'ttys[0].winsize.ws_col=100', '-o', sub]).err, /it is a directory/);
  // In place through a symlink: the link stays a link, its target gets the new bytes.
  const real = join(dir, 'real', 'target.ckpt');
  mkdirSync(join(dir, 'real'), { recursive: true });
  writeFileSync(real, sampleWith());
  const link = join(dir, 'link.ckpt');
  symlinkSync(real, link);
  const s = cli(['set', link, 'ttys[0].winsize.ws_col=111']);
  assert.equal(s.code, 0, s.err);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.match(cli([real]).out, /winsize 24 rows x 111 cols/);
  assert.deepEqual(readdirSync(join(dir, 'real')), ['target.ckpt']);
});

test('8 names: a 255-byte name is saved, and a name that is not UTF-8 is opened and saved', () => {
  const long = join(dir, `${'n'.repeat(250)}.ckpt`);
  writeFileSync(long, sampleWith());
  const r = cli(['set', long, 'ttys[0].winsize.ws_col=120']);
  assert.equal(r.code, 0, r.err);
  assert.match(cli([long]).out, /x 120 cols/);
  const raw = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xff, 0xfe, 0x2e, 0x63, 0x6b, 0x70, 0x74])]);
  writeFileSync(raw, sampleWith());
  const rep = cliRaw([raw]);
  assert.equal(rep.code, 0, rep.err);
  assert.match(rep.out, /\\xff\\xfe\.ckpt: \d+ bytes/);
  const s = cliRaw(['set', raw, 'ttys[0].winsize.ws_col=121']);
  assert.equal(s.code, 0, s.err);
  assert.match(cliRaw([raw]).out, /x 121 cols/);
  // encode --base with such a name that the JSON does not belong to: the name by its bytes.
  const jf = join(dir, 'other.json');
  writeFileSync(join(dir, 'other.ckpt'), sampleWith());
  writeFileSync(jf, cli(['--json', join(dir, 'other.ckpt')]).out);
  const e = cliRaw(['encode', jf, '--base', raw, '-o', join(dir, 'enc-out.ckpt')]);
  assert.equal(e.code, 2, e.err);
  assert.match(e.err, /\\xff\\xfe\.ckpt: the JSON was made from another image/);
});

test('10 internal error only for bugs: inherited names in paths, non-report JSON, deep JSON and save failures get a clear message', () => {
  const f = join(dir, 'ie.ckpt');
  writeFileSync(f, sampleWith());
  for (const p of ['ttys[0].constructor=1', 'ttys[0].toString=1', 'ttys[0].valueOf=1', 'ttys[0].__proto__=1', 'ttys[0].winsize.constructor=1', 'ttys[0].ldisc.toString=1', 'ttys[0].termios.constructor=1', 'ttys[0].termios.c_lflag.constructor=1']) {
    const r = cli(['set', f, p, '-o', join(dir, 'ie-out.ckpt')]);
    assert.equal(r.code, 2, p);
    assert.doesNotMatch(r.err, /internal error/, `${p}: ${r.err}`);
  }
  const deep = `{"ttys":[${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}]}`;
  // A list nested deep where the report has one (c_cc), in JSON that belongs to the image.
  const own = JSON.parse(cli(['--json', f]).out);
  own.ttys[0].termios.c_cc = '@@deep@@';
  const deepList = JSON.stringify(own).replace('"@@deep@@"', '['.repeat(100000) + ']'.repeat(100000));
  for (const [name, text] of [['null', 'null'], ['abc', '{"ttys":"abc"}'], ['deep', deep], ['deeper', '['.repeat(200000) + ']'.repeat(200000)], ['deep-list', deepList]]) {
    const jf = join(dir, `${name}.json`);
    writeFileSync(jf, text);
    const r = cli(['encode', jf, '--base', f, '-o', join(dir, 'ie-out.ckpt')]);
    assert.equal(r.code, 2, name);
    assert.doesNotMatch(r.err, /internal error/, `${name}: ${r.err}`);
  }
  // A value of the wrong shape where the report has a number: said so (not "[object Object]").
  const doc = JSON.parse(cli(['--json', f]).out);
  doc.ttys[0].winsize.ws_col = [1];
  const shaped = join(dir, 'shaped.json');
  writeFileSync(shaped, JSON.stringify(doc));
  const sh = cli(['encode', shaped, '-o', join(dir, 'ie-out.ckpt')]);
  assert.equal(sh.code, 2);
  assert.match(sh.err, /ttys\[0\]\.winsize\.ws_col: an array where the report has a single value/);
  doc.ttys[0].winsize.ws_col = 80;
  doc.ttys[1].termios.c_cc[7] = { x: 1 };
  writeFileSync(shaped, JSON.stringify(doc));
  assert.match(cli(['encode', shaped, '-o', join(dir, 'ie-out.ckpt')]).err, /ttys\[1\]\.termios\.c_cc is nested deeper than any value of a report/);
  const cases: [string, RegExp][] = [
    [join(dir, 'no-such-dir', 'x.ckpt'), /the folder does not exist/],
    [join(dir, 'x'.repeat(300)), /the file name is too long/],
    ['/proc/version', /not written/],
  ];
  for (const [out, want] of cases) {
    const r = cli(['set', f, 'ttys[0].winsize.ws_col=99', '-o', out]);
    assert.equal(r.code, 2, out);
    assert.match(r.err, want, out);
    assert.doesNotMatch(r.err, /internal error/, r.err);
  }
});

test('11 text values are exactly their UTF-8 bytes; escapes are explicit and an unknown one is refused', () => {
  const f = join(dir, 'text.ckpt');
  writeFileSync(f, sampleWith());
  const data = () => JSON.parse(cli(['--json', f]).out).ttys[1].ldisc.data as string;
  assert.equal(cli(['set', f, 'ttys[1].ldisc.data=😀é\\x00\\t\\\\\\n']).code, 0);
  assert.equal(data(), Buffer.concat([Buffer.from('😀é'), Buffer.from([0, 9, 0x5c, 0x0a])]).toString('hex'));
  for (const bad of ['\\€', '\\q', 'abc\\', '\\x4']) {
    const r = cli(['set', f, `ttys[1].ldisc.data=${bad}`]);
    assert.equal(r.code, 2, bad);
    assert.match(r.err, /escape|hex digits|backslash/, bad);
  }
});

test('12 encode --base with another image says the JSON does not belong to it', () => {
  const a = join(dir, 'base-a.ckpt');
  const b = join(dir, 'base-b.ckpt');
  writeFileSync(a, sampleWith());
  writeFileSync(b, sampleWith(...errorPair('checkpoint failed')));
  const doc = JSON.parse(cli(['--json', a]).out);
  doc.ttys[0].winsize.ws_col = 99;
  const jf = join(dir, 'base.json');
  writeFileSync(jf, JSON.stringify(doc));
  const r = cli(['encode', jf, '--base', b, '-o', join(dir, 'base-out.ckpt')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /made from another image/);
  assert.ok(!existsSync(join(dir, 'base-out.ckpt')));
  // Its own image, named by --base: written.
  assert.equal(cli(['encode', jf, '--base', a, '-o', join(dir, 'base-out.ckpt')]).code, 0);
  // Without a sha256, the record framing still tells.
  delete doc.source;
  writeFileSync(jf, JSON.stringify(doc));
  assert.match(cli(['encode', jf, '--base', b, '-o', join(dir, 'base-out2.ckpt')]).err, /does not describe this image: it lists/);
});

/**
 * SIGINT, SIGTERM and SIGHUP, each sent to a real child running `args` on `f` the moment inotify
 * shows its temporary file in `sd` (mid-write of a large image): the child dies of the signal, the
 * folder holds only `f`, and `f` is unchanged.
 */
async function signalsDuringSave(sd: string, f: string, args: string[]) {
  const before = readFileSync(f);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let sent = false;
    // inotify tells the moment the temporary file is created; the signal goes then, mid-write.
    const w = watch(sd, (_e, name) => {
      if (!sent && name && String(name).endsWith('.tmp')) {
        sent = true;
        child.kill(sig);
      }
    });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    w.close();
    assert.ok(sent, `${sig}: no temporary file was seen`);
    assert.equal(signal, sig, `${sig}: exited ${code}`);
    assert.deepEqual(readdirSync(sd), [basename(f)], `${sig}: left ${readdirSync(sd).join(', ')}`);
    assert.ok(readFileSync(f).equals(before), `${sig}: the original changed`);
  }
}

/** 96 MiB: an unknown record type (a warning, not an error) holds the bulk. */
const bulk = () => record(9000, new Uint8Array(96 << 20).fill(0x5a));

test('9 a signal during a save removes the temporary file (SIGINT, SIGTERM, SIGHUP to a real child writing a large image)', async () => {
  const sd = join(dir, 'signals');
  mkdirSync(sd, { recursive: true });
  const f = join(sd, 'big.ckpt');
  writeFileSync(f, sampleWith(bulk()));
  await signalsDuringSave(sd, f, ['set', f, 'ttys[0].winsize.ws_col=77']);
});

test('9 fix saves as set does: a signal during its in-place save leaves no temporary file and the original unchanged', async () => {
  const sd = join(dir, 'fix-signals');
  mkdirSync(sd, { recursive: true });
  const f = join(sd, 'big.ckpt');
  const b = sampleWith(bulk());
  b[b.length - 4] ^= 0xff; // TAIL_MAGIC, which fix repairs unambiguously
  writeFileSync(f, b);
  await signalsDuringSave(sd, f, ['fix', f]);
  // Not stopped, it saves the repair.
  const r = cli(['fix', f]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /applied 1 repair\(s\):\n {2}TAIL_MAGIC/);
  assert.equal(readFileSync(f)[b.length - 4], b[b.length - 4] ^ 0xff);
});

test('7 fix never replaces what is not a regular file: a FIFO, a device and a directory as -o are refused, in place through a symlink saves the target', () => {
  const f = join(dir, 'fix-target.ckpt');
  const bad = sampleWith();
  bad[bad.length - 4] ^= 0xff;
  writeFileSync(f, bad);
  const fifo = join(dir, 'fix-out.fifo');
  spawnSync('mkfifo', [fifo]);
  const dev = join(dir, 'fix-null-dev');
  assert.equal(spawnSync('mknod', [dev, 'c', '1', '3']).status, 0, 'mknod (CI runs as root)');
  const sub = join(dir, 'fix-a-dir');
  mkdirSync(sub, { recursive: true });
  for (const [out, kind, is] of [[fifo, 'a FIFO', 'isFIFO'], [dev, 'a character device', 'isCharacterDevice'], [sub, 'a directory', 'isDirectory']] as const) {
    const r = spawnSync(process.execPath, [BIN, 'fix', f, '-o', out], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.signal, null, `${out}: blocked`);
    assert.equal(r.status, 2, out);
    assert.equal(r.stderr, `ckpt-inspect: ${out}: not written: it is ${kind}; only a regular file is replaced; the file is unchanged\n`);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.ok(lstatSync(out)[is](), `${out} was replaced`);
  }
  assert.deepEqual(readFileSync(f), Buffer.from(bad));
  // In place through a symlink: the link stays, its target is repaired, nothing else is left.
  mkdirSync(join(dir, 'fix-real'), { recursive: true });
  const real = join(dir, 'fix-real', 'target.ckpt');
  writeFileSync(real, bad);
  const link = join(dir, 'fix-link.ckpt');
  symlinkSync(real, link);
  const s = cli(['fix', link]);
  assert.equal(s.code, 0, s.err);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.deepEqual(readFileSync(real), readFileSync(SAMPLE));
  assert.deepEqual(readdirSync(join(dir, 'fix-real')), ['target.ckpt']);
});
