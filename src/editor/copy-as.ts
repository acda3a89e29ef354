// The selection's bytes as text to paste elsewhere: hex, a C array, base64, a Python bytes literal.
export const COPY_FORMATS = {
  hex: 'Hex (0a1b2c…)',
  c: 'C array (unsigned char …[] = { 0x0a, … })',
  base64: 'Base64',
  python: "Python bytes (b'\\x0a…')",
} as const;
export type CopyFormat = keyof typeof COPY_FORMATS;

export function isCopyFormat(s: unknown): s is CopyFormat {
  return typeof s === 'string' && Object.hasOwn(COPY_FORMATS, s);
}

/** `bytes` in `format`; `name` names the C array (made a C identifier). */
export function copyAs(bytes: Uint8Array, format: CopyFormat, name = 'selection'): string {
  switch (format) {
    case 'hex':
      return Buffer.from(bytes).toString('hex');
    case 'base64':
      return Buffer.from(bytes).toString('base64');
    case 'c': {
      const id = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_') || 'selection';
      const rows: string[] = [];
      for (let i = 0; i < bytes.length; i += 12) rows.push(`  ${Array.from(bytes.subarray(i, i + 12), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')},`);
      return `unsigned char ${id}[${bytes.length}] = {\n${rows.join('\n')}\n};`;
    }
    case 'python': {
      let s = "b'";
      for (const b of bytes) s += b === 0x27 || b === 0x5c ? `\\${String.fromCharCode(b)}` : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
      return `${s}'`;
    }
  }
}
