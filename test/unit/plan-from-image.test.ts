// Image -> restore plan, checked against the golden images' documented contents and the plan
// format's own parser (a plan that serializes must parse back to the same values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openImage } from '../../src/parser/image.js';
import { planFromImage } from '../../src/parser/plan-from-image.js';
import { parsePlan, serializePlan, validatePlan } from '../../src/parser/restore-plan.js';
import { allImages, goldenImages } from '../lib/images.js';

const golden = goldenImages();
const ok = (name: string) => golden.find((g) => g.name === name);

test('ok-pair-i386: one pair at index 7 with "ls -l\\n" complete and "ech" partial, output "total 0\\r\\n$ "', { skip: ok('ok-pair-i386') ? false : 'golden absent' }, () => {
  const im = ok('ok-pair-i386');
  assert.ok(im);
  const plan = planFromImage(openImage(im.bytes));
  assert.equal(plan.pairs.length, 1);
  const p = plan.pairs[0];
  assert.equal(p.index, 7);
  assert.equal(Buffer.from(p.input.data).toString('latin1'), 'ls -l\nech');
  assert.deepEqual(p.input.lineEnds, [5]);
  assert.equal(p.input.canonical, true);
  assert.equal(Buffer.from(p.output).toString('latin1'), 'total 0\r\n$ ');
  assert.equal(p.locked, false);
  assert.equal(p.packet, false);
  assert.deepEqual(p.slave.winsize, { ws_row: 24, ws_col: 80, ws_xpixel: 640, ws_ypixel: 384 });
  assert.equal(p.slave.termios.c_lflag, 35387);
});

test('ok-raw-locked-packet: locked, packet mode, raw input without line ends', { skip: ok('ok-raw-locked-packet') ? false : 'golden absent' }, () => {
  const im = ok('ok-raw-locked-packet');
  assert.ok(im);
  const p = planFromImage(openImage(im.bytes)).pairs[0];
  assert.equal(p.locked, true);
  assert.equal(p.packet, true);
  assert.equal(p.input.canonical, false);
  assert.deepEqual(p.input.lineEnds, []);
  assert.equal(Buffer.from(p.input.data).toString('latin1'), 'ls -l\nech');
  assert.equal(p.output.length, 0);
});

for (const im of allImages().filter((i) => i.json.errors.length === 0)) {
  test(`plan of ${im.source}/${im.name} is valid and survives serialize/parse`, () => {
    const img = openImage(im.bytes);
    if (!img.ttys.some((t) => t.role === 'master' && img.ttys.some((s) => s.role === 'slave' && s.link_objref.value === t.objref))) return;
    const plan = planFromImage(img);
    assert.deepEqual(validatePlan(plan), []);
    const back = parsePlan(serializePlan(plan));
    assert.equal(back.pairs.length, plan.pairs.length);
    back.pairs.forEach((p, i) => {
      const q = plan.pairs[i];
      assert.equal(p.index, q.index);
      assert.ok(Buffer.from(p.input.data).equals(Buffer.from(q.input.data)));
      assert.deepEqual(p.input.lineEnds, q.input.lineEnds);
      assert.ok(Buffer.from(p.output).equals(Buffer.from(q.output)));
      assert.deepEqual(p.slave, q.slave);
    });
  });
}
