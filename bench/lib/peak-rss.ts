// Peak memory of a process, for the bench's memory figures and the fuzzer's memory probe.
import { readFileSync } from 'node:fs';

/**
 * Peak RSS of this process image: VmHWM from /proc (per address space, so it starts afresh at
 * exec). getrusage's maxRSS does not: Linux carries the parent's peak over fork+exec, so every
 * child of a large parent would report the parent's peak.
 */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}
