// A capture-made image and its provenance sidecar, without ssh: a description as the helper would
// report it, turned into the image by src/parser/capture-image.ts and written as `ckpt-inspect
// capture` writes it (IMAGE and IMAGE.provenance.json with the image's sha256). Also a stale pair:
// another capture's image beside this one's sidecar. Usage: captured-image.ts DIR
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageFromCapture } from '../../src/parser/capture-image.js';
import { parseCaptureDescription } from '../../src/remote/capture-description.js';

function description(wsCol: number): string {
  return JSON.stringify({
    format: 'ckpt-pty-capture/1',
    helper: '1.0.0',
    kernel: { sysname: 'Linux', release: '6.18.44', version: '#1 SMP', machine: 'x86_64' },
    time: 1796407479,
    drained: false,
    target: { pid: 4242, comm: 'bash', ppid: 1, pgrp: 4242, session: 4242, tty_nr: 34816, tpgid: 4242 },
    fds: [
      { fd: 0, role: 'slave', index: 3, flags: 0o2, pos: 0, file: 0 },
      { fd: 5, role: 'master', index: 3, flags: 0o2, pos: 0, file: 5 },
    ],
    pairs: [
      {
        index: 3, master_fd: 5, slave_fd: 0, hungup: false,
        termios: { c_iflag: 0x4500, c_oflag: 5, c_cflag: 0xbf, c_lflag: 0x8a3b, c_line: 0, c_cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0] },
        winsize: { ws_row: 24, ws_col: wsCol, ws_xpixel: 0, ws_ypixel: 0 }, ldisc: 0,
        packet: false, locked: false, exclusive: false,
        controlling_terminal_of_target: false, session: null, pgrp: 0,
        input_count: 0, output_count: 0, slave_outq: 0, master_outq: 0,
        input: null, input_line_ends: null, output: null,
      },
    ],
  });
}

function capture(wsCol: number) {
  const img = imageFromCapture(parseCaptureDescription(description(wsCol), 'testhost'), 'testhost');
  img.provenance.image.sha256 = createHash('sha256').update(img.bytes).digest('hex');
  return img;
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: captured-image.ts DIR');
const fresh = capture(80);
writeFileSync(join(dir, 'captured.ckpt'), fresh.bytes);
writeFileSync(join(dir, 'captured.ckpt.provenance.json'), `${JSON.stringify(fresh.provenance, null, 2)}\n`);
writeFileSync(join(dir, 'stale.ckpt'), capture(100).bytes);
writeFileSync(join(dir, 'stale.ckpt.provenance.json'), `${JSON.stringify(fresh.provenance, null, 2)}\n`);
