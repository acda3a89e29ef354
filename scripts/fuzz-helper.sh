#!/bin/sh
# scripts/fuzz-helper.sh SECONDS — build helper/fuzz/plan_reader_fuzz.c (libFuzzer + ASan + UBSan)
# and fuzz ckpt-pty-helper's plan reader for SECONDS. Exit 0 when nothing was found, 1 on a crash
# (reproducer under test-output/helper-fuzz/crashes/), 2 when it cannot build.
set -u
SECONDS_ARG=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/test-output/helper-fuzz"
CC=${CC:-clang}
mkdir -p "$OUT/corpus" "$OUT/crashes"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz-helper: $CC not found (apt-get install clang)" >&2
  exit 2
fi
BIN="$OUT/plan_reader_fuzz"
if ! "$CC" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -o "$BIN" "$ROOT/helper/fuzz/plan_reader_fuzz.c" 2>"$OUT/build.log"; then
  cat "$OUT/build.log" >&2
  echo "fuzz-helper: build failed" >&2
  exit 2
fi
cp "$ROOT"/helper/fuzz/seeds/* "$OUT/corpus/" 2>/dev/null || true
cd "$OUT" || exit 2
"$BIN" -max_total_time="$SECONDS_ARG" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -dict="$ROOT/helper/fuzz/plan.dict" -artifact_prefix="$OUT/crashes/" -print_final_stats=1 \
  "$OUT/corpus" >"$OUT/fuzz.log" 2>&1
rc=$?
tail -n 25 "$OUT/fuzz.log"
if [ "$rc" -ne 0 ]; then
  echo "fuzz-helper: libFuzzer exited $rc; reproducers in $OUT/crashes/ (log: $OUT/fuzz.log)" >&2
  exit 1
fi
echo "fuzz-helper: no crash in ${SECONDS_ARG}s (corpus $(ls "$OUT/corpus" | wc -l) inputs)"
