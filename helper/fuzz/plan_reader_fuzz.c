/*
 * libFuzzer target for ckpt-pty-helper's restore-plan reader (parse_plan).
 *
 * The helper is one C file with a static parse_plan(char *text, size_t len, struct plan *pl) that
 * takes a NUL-terminated, writable copy of the plan; this target includes the helper's source with
 * its main() renamed, so no hook in the helper is needed. Each input is copied into a fresh
 * malloc'd buffer of exactly len+1 bytes (so ASan sees any read past the terminator), parsed, and
 * the plan freed; a successful parse must respect the helper's documented limits.
 *
 * Build and run: scripts/fuzz-helper.sh SECONDS
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined helper/fuzz/plan_reader_fuzz.c
 */
#define main ckpt_pty_helper_main
#include "../ckpt-pty-helper.c"
#undef main

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_PLAN_BYTES) return 0; /* read_plan_fd refuses these before parsing */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    struct plan pl;
    g_err[0] = 0;
    int rc = parse_plan(text, size, &pl);
    if (rc == 0) {
        /* What the rest of the helper relies on after a successful parse. */
        if (pl.npairs > MAX_PAIRS) __builtin_trap();
        if (pl.npairs && !pl.pairs) __builtin_trap();
        for (unsigned i = 0; i < pl.npairs; i++) {
            const struct pair *q = &pl.pairs[i];
            if (q->in_len > MAX_QUEUE || q->out_len > MAX_QUEUE || q->index > MAX_INDEX) __builtin_trap();
            if ((q->in_len && !q->in) || (q->out_len && !q->out)) __builtin_trap();
            for (size_t k = q->in_len; k < MAX_QUEUE; k++)
                if (q->in_end[k]) __builtin_trap(); /* a line end past the input */
        }
    } else if (g_err[0] == 0) {
        /* A refused plan always says why. */
        __builtin_trap();
    }
    free_plan(&pl);
    free(text);
    return 0;
}
