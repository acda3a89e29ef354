/*
 * ckpt-pty-helper -- re-create Linux pseudo-terminal pairs from a restore plan
 * (docs/restore-plan.md) with the same observable state, including the exact
 * contents of both queues, and check the result against the kernel.
 *
 *   ckpt-pty-helper probe   [--devpts shared|private] [--index N]
 *   ckpt-pty-helper check   < plan
 *   ckpt-pty-helper restore --verify [--devpts shared|private] [--index exact|any] [--strict] < plan
 *   ckpt-pty-helper restore --attach [--pair N] [--command CMD] [--devpts ...] [--index ...] < plan
 *   ckpt-pty-helper capture --pid PID [--fd N] [--drain]
 *   ckpt-pty-helper list
 *
 * Exit status: 0 success (verify: every restorable field matches), 1 verify found a
 * mismatch, 2 usage error or plan refused, 3 restore failed (kernel refused, or --strict
 * and the plan holds more than the kernel can take back), attach:
 * the command's exit status (128+signal when killed).  capture: 0 described, 2 usage, 3 the
 * process or its pty could not be read (no such process, no permission, kernel < 5.6, not a pty).
 *
 * One file, libc only.  Builds with gcc -O2 -Wall -Wextra -Werror, with -static and
 * with -fsanitize=address,undefined.  Linux >= 4.13 (TIOCGPTPEER), x86_64/generic ioctl
 * numbers.  Nothing in the plan is trusted: every value is checked against hard
 * limits before anything is opened.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define HELPER_VERSION "1.0.0"
#define PLAN_MAGIC "ckpt-pty-restore-plan"
#define PLAN_VERSION 1u

/* Hard limits (docs/restore-plan.md section "Limits"). */
#define MAX_PLAN_BYTES (2u * 1024u * 1024u)
#define MAX_LINE 8300u
#define MAX_PAIRS 64u
#define MAX_QUEUE 4096u            /* N_TTY_BUF_SIZE: what an image can carry */
#define MAX_INPUT_RESTORABLE 4095u /* what one n_tty buffer can hold */
#define MAX_INDEX 1048575u         /* NR_UNIX98_PTY_MAX - 1 */
#define PLAN_NCC 8u
#define KNCCS 19u

/* ioctl numbers not always in libc headers (x86_64 / asm-generic values). */
#ifndef TIOCGPTN
#define TIOCGPTN 0x80045430
#endif
#ifndef TIOCSPTLCK
#define TIOCSPTLCK 0x40045431
#endif
#ifndef TIOCGPTLCK
#define TIOCGPTLCK 0x80045439
#endif
#ifndef TIOCGPKT
#define TIOCGPKT 0x80045438
#endif
#ifndef TIOCGEXCL
#define TIOCGEXCL 0x80045440
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif
#ifndef TIOCVHANGUP
#define TIOCVHANGUP 0x5437
#endif
#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

/* termios bits (asm-generic / x86 termbits.h). */
#define K_ICANON 0000002u
#define K_ECHO 0000010u
#define K_IEXTEN 0100000u
#define K_OPOST 0000001u
#define K_ICRNL 0000400u
#define K_IXON 0002000u
#define K_VINTR 0
#define K_VEOF 4
#define K_VTIME 5
#define K_VMIN 6
#define K_VEOL 11
#define K_VLNEXT 15
#define K_TCOOFF 0

/* The kernel's struct termios as TCGETS/TCSETS copy it (36 bytes). */
struct ktermios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[KNCCS];
};

struct pterm {
    uint32_t iflag, oflag, cflag, lflag, line;
    uint32_t cc[PLAN_NCC];
};

struct pair {
    unsigned line; /* line of "pair" */
    uint32_t index;
    int locked, packet, exclusive, stopped, hungup, canonical;
    struct pterm t;
    uint32_t ws[4];
    uint8_t *in;
    size_t in_len;       /* bytes restored (and compared): the plan's, or the first 4095 of them */
    size_t in_image_len; /* the plan's input length when more than the kernel holds, else 0 */
    uint8_t in_end[MAX_QUEUE]; /* 1 where a byte ends a canonical line */
    uint8_t *out;
    size_t out_len;
    int has_mterm;
    struct pterm mterm;
    int has_column;
    uint32_t column;
    unsigned l_index, l_input, l_canonical, l_flags; /* lines for messages */
    /* runtime */
    int master, slave;
    uint32_t got_index;
};

struct plan {
    unsigned npairs;
    struct pair *pairs;
};

static char g_err[1024];
static const char *g_prog = "ckpt-pty-helper";

static void seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void seterr(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
}

static void xclose(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ plan parser */

static int parse_uint(const char *s, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    if (s[0] == '0' && s[1] == 'x') {
        for (s += 2; *s; s++, n++) {
            int d;
            if (*s >= '0' && *s <= '9') d = *s - '0';
            else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
            else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
            else return -1;
            if (n >= 8) return -1;
            v = v * 16 + (uint64_t)d;
        }
    } else {
        for (; *s; s++, n++) {
            if (*s < '0' || *s > '9' || n >= 10) return -1;
            v = v * 10 + (uint64_t)(*s - '0');
        }
    }
    if (n == 0 || v > max) return -1;
    *out = (uint32_t)v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Splits line (modified in place) on single spaces. */
static int tokenize(char *line, char **tok, int maxtok)
{
    int n = 0;
    char *p = line;
    if (*p == 0) return 0;
    for (;;) {
        if (n == maxtok) return -1;
        tok[n++] = p;
        char *sp = strchr(p, ' ');
        if (!sp) break;
        *sp = 0;
        p = sp + 1;
        if (*p == 0 || *p == ' ') return -1; /* trailing or double space */
    }
    for (int i = 0; i < n; i++)
        if (tok[i][0] == 0) return -1;
    return n;
}

enum {
    K_INDEX, K_LOCKED, K_PACKET, K_EXCL, K_STOPPED, K_HUNGUP, K_IFLAG, K_OFLAG, K_CFLAG,
    K_LFLAG, K_LINE, K_CC, K_WINSIZE, K_CANON, K_INPUT, K_LINEENDS, K_OUTPUT, K_MTERM,
    K_COLUMN, K_COUNT
};
static const char *const KEYS[K_COUNT] = {
    "index", "locked", "packet", "exclusive", "stopped", "hungup", "c_iflag", "c_oflag",
    "c_cflag", "c_lflag", "c_line", "c_cc", "winsize", "canonical", "input",
    "input-line-ends", "output", "master-termios", "column"};
static const int KEY_REQUIRED[K_COUNT] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};

static int parse_hex_field(const char *v, uint8_t **out, size_t *len, unsigned ln, const char *what)
{
    *out = NULL;
    *len = 0;
    if (strcmp(v, "-") == 0) return 0;
    size_t n = strlen(v);
    if (n % 2) {
        seterr("line %u: %s: odd number of hex digits", ln, what);
        return -1;
    }
    if (n / 2 > MAX_QUEUE) {
        seterr("line %u: %s: %zu bytes exceeds the limit of %u (N_TTY_BUF_SIZE)", ln, what, n / 2,
               MAX_QUEUE);
        return -1;
    }
    uint8_t *b = malloc(n / 2 ? n / 2 : 1);
    if (!b) {
        seterr("line %u: out of memory", ln);
        return -1;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int h = hexval(v[2 * i]), l = hexval(v[2 * i + 1]);
        if (h < 0 || l < 0) {
            free(b);
            seterr("line %u: %s: not a hex digit at column %zu", ln, what, 2 * i + strlen(what) + 2);
            return -1;
        }
        b[i] = (uint8_t)(h * 16 + l);
    }
    *out = b;
    *len = n / 2;
    return 0;
}

static int parse_flag01(char **tok, int ntok, unsigned ln, int *out)
{
    if (ntok != 2 || (strcmp(tok[1], "0") && strcmp(tok[1], "1"))) {
        seterr("line %u: %s: expected 0 or 1", ln, tok[0]);
        return -1;
    }
    *out = tok[1][0] == '1';
    return 0;
}

static int parse_termios_tokens(char **tok, int ntok, unsigned ln, struct pterm *t)
{
    /* master-termios IFLAG OFLAG CFLAG LFLAG LINE CC0..CC7 */
    if (ntok != 14) {
        seterr("line %u: master-termios: expected 13 values, got %d", ln, ntok - 1);
        return -1;
    }
    uint32_t *dst[5] = {&t->iflag, &t->oflag, &t->cflag, &t->lflag, &t->line};
    for (int i = 0; i < 5; i++)
        if (parse_uint(tok[1 + i], i == 4 ? 255u : 65535u, dst[i])) {
            seterr("line %u: master-termios: value %d '%.40s' out of range", ln, i + 1, tok[1 + i]);
            return -1;
        }
    for (unsigned i = 0; i < PLAN_NCC; i++)
        if (parse_uint(tok[6 + i], 255u, &t->cc[i])) {
            seterr("line %u: master-termios: c_cc[%u] '%.40s' out of range 0..255", ln, i, tok[6 + i]);
            return -1;
        }
    return 0;
}

static int parse_pair_line(struct pair *p, int key, char **tok, int ntok, unsigned ln)
{
    uint32_t v;
    switch (key) {
    case K_INDEX:
        if (ntok != 2 || parse_uint(tok[1], MAX_INDEX, &v)) {
            seterr("line %u: index: expected an integer 0..%u", ln, MAX_INDEX);
            return -1;
        }
        p->index = v;
        p->l_index = ln;
        return 0;
    case K_LOCKED: return parse_flag01(tok, ntok, ln, &p->locked);
    case K_PACKET: return parse_flag01(tok, ntok, ln, &p->packet);
    case K_EXCL: return parse_flag01(tok, ntok, ln, &p->exclusive);
    case K_STOPPED: return parse_flag01(tok, ntok, ln, &p->stopped);
    case K_HUNGUP: return parse_flag01(tok, ntok, ln, &p->hungup);
    case K_CANON:
        p->l_canonical = ln;
        return parse_flag01(tok, ntok, ln, &p->canonical);
    case K_IFLAG: case K_OFLAG: case K_CFLAG: case K_LFLAG: case K_LINE: {
        uint32_t max = key == K_LINE ? 255u : 65535u;
        if (ntok != 2 || parse_uint(tok[1], max, &v)) {
            seterr("line %u: %s: expected an integer 0..%u", ln, tok[0], max);
            return -1;
        }
        if (key == K_IFLAG) p->t.iflag = v;
        else if (key == K_OFLAG) p->t.oflag = v;
        else if (key == K_CFLAG) p->t.cflag = v;
        else if (key == K_LFLAG) { p->t.lflag = v; p->l_flags = ln; }
        else p->t.line = v;
        return 0;
    }
    case K_CC:
        if (ntok != 1 + (int)PLAN_NCC) {
            seterr("line %u: c_cc: expected %u values, got %d", ln, PLAN_NCC, ntok - 1);
            return -1;
        }
        for (unsigned i = 0; i < PLAN_NCC; i++)
            if (parse_uint(tok[1 + i], 255u, &p->t.cc[i])) {
                seterr("line %u: c_cc[%u]: '%.40s' is not an integer 0..255", ln, i, tok[1 + i]);
                return -1;
            }
        return 0;
    case K_WINSIZE:
        if (ntok != 5) {
            seterr("line %u: winsize: expected 4 values (row col xpixel ypixel)", ln);
            return -1;
        }
        for (int i = 0; i < 4; i++)
            if (parse_uint(tok[1 + i], 65535u, &p->ws[i])) {
                seterr("line %u: winsize: value %d '%.40s' is not an integer 0..65535", ln, i + 1,
                       tok[1 + i]);
                return -1;
            }
        return 0;
    case K_INPUT:
        p->l_input = ln;
        if (ntok != 2) { seterr("line %u: input: expected one hex string or -", ln); return -1; }
        return parse_hex_field(tok[1], &p->in, &p->in_len, ln, "input");
    case K_OUTPUT:
        if (ntok != 2) { seterr("line %u: output: expected one hex string or -", ln); return -1; }
        return parse_hex_field(tok[1], &p->out, &p->out_len, ln, "output");
    case K_LINEENDS: {
        if (ntok != 2) {
            seterr("line %u: input-line-ends: expected a comma-separated list or -", ln);
            return -1;
        }
        if (p->l_input == 0) {
            seterr("line %u: input-line-ends must follow input", ln);
            return -1;
        }
        memset(p->in_end, 0, sizeof p->in_end);
        if (strcmp(tok[1], "-") == 0) return 0;
        char *s = tok[1];
        long last = -1;
        for (;;) {
            char *c = strchr(s, ',');
            if (c) *c = 0;
            if (parse_uint(s, MAX_QUEUE, &v)) {
                seterr("line %u: input-line-ends: '%.40s' is not an integer", ln, s);
                return -1;
            }
            if ((long)v <= last) {
                seterr("line %u: input-line-ends: positions must be strictly increasing", ln);
                return -1;
            }
            if (v >= p->in_len) {
                seterr("line %u: input-line-ends: position %u is outside the %zu input bytes", ln, v,
                       p->in_len);
                return -1;
            }
            p->in_end[v] = 1;
            last = v;
            if (!c) break;
            s = c + 1;
        }
        return 0;
    }
    case K_MTERM:
        p->has_mterm = 1;
        return parse_termios_tokens(tok, ntok, ln, &p->mterm);
    case K_COLUMN:
        if (ntok != 2 || parse_uint(tok[1], 65535u, &v)) {
            seterr("line %u: column: expected an integer 0..65535", ln);
            return -1;
        }
        p->has_column = 1;
        p->column = v;
        return 0;
    }
    seterr("line %u: internal error", ln);
    return -1;
}

static int check_pair(const struct pair *p, unsigned ln)
{
    if (p->canonical != ((p->t.lflag & K_ICANON) != 0)) {
        seterr("line %u: canonical %d contradicts c_lflag 0x%04x (ICANON %s) on line %u",
               p->l_canonical, p->canonical, p->t.lflag, (p->t.lflag & K_ICANON) ? "set" : "clear",
               p->l_flags);
        return -1;
    }
    if (!p->canonical)
        for (size_t i = 0; i < p->in_len; i++)
            if (p->in_end[i]) {
                seterr("line %u: input-line-ends given but the pair is not canonical", p->l_input + 1);
                return -1;
            }
    if (p->hungup && p->in_len) {
        seterr("line %u: a hung-up slave has no input queue (input must be -)", ln);
        return -1;
    }
    return 0;
}

static void free_plan(struct plan *pl)
{
    if (!pl->pairs) return;
    for (unsigned i = 0; i < pl->npairs; i++) {
        free(pl->pairs[i].in);
        free(pl->pairs[i].out);
    }
    free(pl->pairs);
    pl->pairs = NULL;
}

/* Parses the whole plan text (NUL-terminated copy of the input, modified). */
static int parse_plan(char *text, size_t len, struct plan *pl)
{
    memset(pl, 0, sizeof *pl);
    if (memchr(text, 0, len)) {
        seterr("line %u: NUL byte in plan", 1u + (unsigned)0);
        unsigned ln = 1;
        for (size_t i = 0; i < len && text[i]; i++)
            if (text[i] == '\n') ln++;
        seterr("line %u: NUL byte in plan", ln);
        return -1;
    }
    enum { S_HEADER, S_COUNT, S_TOP, S_PAIR, S_DONE } st = S_HEADER;
    unsigned ln = 0, declared = 0;
    struct pair *cur = NULL;
    int seen[K_COUNT];
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        ln++;
        if (!nl) {
            seterr("line %u: truncated plan (last line has no newline)", ln);
            return -1;
        }
        *nl = 0;
        size_t ll = (size_t)(nl - p);
        char *line = p;
        p = nl + 1;
        if (ll > MAX_LINE) {
            seterr("line %u: line too long (%zu bytes, limit %u)", ln, ll, MAX_LINE);
            return -1;
        }
        for (size_t i = 0; i < ll; i++) {
            unsigned char c = (unsigned char)line[i];
            if (c < 0x20 || c > 0x7e) {
                seterr("line %u: byte 0x%02x at column %zu is not printable ASCII", ln, c, i + 1);
                return -1;
            }
        }
        if (line[0] == '#') continue;
        if (st == S_DONE) {
            seterr("line %u: data after 'end'", ln);
            return -1;
        }
        char *tok[16];
        int ntok = tokenize(line, tok, 16);
        if (ntok <= 0) {
            seterr("line %u: %s", ln, ntok == 0 ? "empty line" : "malformed line (spacing or too many fields)");
            return -1;
        }
        switch (st) {
        case S_HEADER: {
            uint32_t v;
            if (ntok != 2 || strcmp(tok[0], PLAN_MAGIC) || parse_uint(tok[1], 1000000u, &v)) {
                seterr("line %u: not a restore plan (expected '%s %u')", ln, PLAN_MAGIC, PLAN_VERSION);
                return -1;
            }
            if (v != PLAN_VERSION) {
                seterr("line %u: plan version %u is not supported (this helper reads version %u)", ln, v,
                       PLAN_VERSION);
                return -1;
            }
            st = S_COUNT;
            break;
        }
        case S_COUNT:
            if (ntok != 2 || strcmp(tok[0], "pairs") || parse_uint(tok[1], MAX_PAIRS, &declared)) {
                seterr("line %u: expected 'pairs N' with N in 0..%u", ln, MAX_PAIRS);
                return -1;
            }
            pl->pairs = calloc(declared ? declared : 1, sizeof *pl->pairs);
            if (!pl->pairs) { seterr("line %u: out of memory", ln); return -1; }
            st = S_TOP;
            break;
        case S_TOP:
            if (ntok == 1 && strcmp(tok[0], "pair") == 0) {
                if (pl->npairs >= declared) {
                    seterr("line %u: more pairs than the %u declared", ln, declared);
                    return -1;
                }
                cur = &pl->pairs[pl->npairs++];
                cur->line = ln;
                cur->master = cur->slave = -1;
                memset(seen, 0, sizeof seen);
                st = S_PAIR;
            } else if (ntok == 1 && strcmp(tok[0], "end") == 0) {
                if (pl->npairs != declared) {
                    seterr("line %u: %u pairs declared, %u given", ln, declared, pl->npairs);
                    return -1;
                }
                st = S_DONE;
            } else {
                seterr("line %u: expected 'pair' or 'end', got '%.40s'", ln, tok[0]);
                return -1;
            }
            break;
        case S_PAIR: {
            if (ntok == 1 && strcmp(tok[0], "end-pair") == 0) {
                for (int k = 0; k < K_COUNT; k++)
                    if (KEY_REQUIRED[k] && !seen[k]) {
                        seterr("line %u: pair starting on line %u lacks '%s'", ln, cur->line, KEYS[k]);
                        return -1;
                    }
                if (check_pair(cur, ln)) return -1;
                for (unsigned i = 0; i + 1 < pl->npairs; i++)
                    if (pl->pairs[i].index == cur->index) {
                        seterr("line %u: index %u already used by the pair on line %u", cur->l_index,
                               cur->index, pl->pairs[i].line);
                        return -1;
                    }
                st = S_TOP;
                break;
            }
            int key = -1;
            for (int k = 0; k < K_COUNT; k++)
                if (strcmp(tok[0], KEYS[k]) == 0) key = k;
            if (key < 0) {
                seterr("line %u: unknown key '%.40s'", ln, tok[0]);
                return -1;
            }
            if (seen[key]) {
                seterr("line %u: duplicate key '%s'", ln, KEYS[key]);
                return -1;
            }
            seen[key] = 1;
            if (parse_pair_line(cur, key, tok, ntok, ln)) return -1;
            break;
        }
        case S_DONE: break;
        }
    }
    if (st != S_DONE) {
        seterr("line %u: truncated plan (no final 'end')", ln + 1);
        return -1;
    }
    return 0;
}

static int read_plan_fd(int fd, struct plan *pl)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) { seterr("out of memory"); return -1; }
    for (;;) {
        if (len == cap) {
            if (cap > MAX_PLAN_BYTES) break;
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) { free(buf); seterr("out of memory"); return -1; }
            buf = nb;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { free(buf); seterr("reading the plan from stdin: %s", strerror(errno)); return -1; }
        if (r == 0) break;
        len += (size_t)r;
    }
    if (len > MAX_PLAN_BYTES) {
        free(buf);
        seterr("line 1: plan larger than %u bytes", MAX_PLAN_BYTES);
        return -1;
    }
    buf[len] = 0;
    int rc = parse_plan(buf, len, pl);
    free(buf);
    if (rc) free_plan(pl);
    return rc;
}

/* ------------------------------------------------------------------ JSON output */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_hex(FILE *f, const uint8_t *b, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", b[i]);
    fputc('"', f);
}

static void json_bool(FILE *f, int v) { fputs(v ? "true" : "false", f); }

/* ------------------------------------------------------------------ kernel helpers */

static int tcgets(int fd, struct ktermios *t) { return ioctl(fd, TCGETS, t); }
static int tcsets(int fd, const struct ktermios *t) { return ioctl(fd, TCSETS, t); }

static int read_sysctl(const char *path, long *v)
{
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    int ok = fscanf(f, "%ld", v) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

struct opts {
    int private_devpts;
    int index_any;
    int verify, attach;
    const char *exec_cmd;
    const char *plan_path;
    int have_pair;
    uint32_t pair_index;
    int strict; /* refuse a restore that would lose any of the plan's data */
    const char *command;
    long probe_index;
};

static char g_ptmx[64] = "/dev/ptmx";
static char g_ptsdir[64] = "/dev/pts";
static int g_userns;

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, s, strlen(s));
    close(fd);
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* A private devpts instance on /dev/pts in a new mount namespace (user namespace too
 * when unprivileged).  Indexes then start at 0 whatever the host instance holds. */
static int setup_private_devpts(void)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWNS) != 0) {
        if (errno != EPERM) {
            seterr("unshare(CLONE_NEWNS): %s", strerror(errno));
            return -1;
        }
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            seterr("unshare(CLONE_NEWUSER|CLONE_NEWNS): %s", strerror(errno));
            return -1;
        }
        char m[64];
        snprintf(m, sizeof m, "0 %u 1\n", (unsigned)uid);
        if (write_file("/proc/self/uid_map", m)) {
            seterr("writing uid_map: %s", strerror(errno));
            return -1;
        }
        write_file("/proc/self/setgroups", "deny\n");
        snprintf(m, sizeof m, "0 %u 1\n", (unsigned)gid);
        if (write_file("/proc/self/gid_map", m)) {
            seterr("writing gid_map: %s", strerror(errno));
            return -1;
        }
        g_userns = 1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        seterr("making mounts private: %s", strerror(errno));
        return -1;
    }
    if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620") != 0) {
        seterr("mounting a private devpts on /dev/pts: %s", strerror(errno));
        return -1;
    }
    snprintf(g_ptmx, sizeof g_ptmx, "/dev/pts/ptmx");
    return 0;
}

static void raise_nofile(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Opens ptmx until the kernel hands out index `want`, keeping lower indexes open
 * meanwhile, then closes the surplus.  Returns the master fd or -1. */
static int open_master_index(uint32_t want, int any, uint32_t *got)
{
    long ptymax = 4096;
    read_sysctl("/proc/sys/kernel/pty/max", &ptymax);
    if ((long)want >= ptymax && !any) {
        seterr("index %u is not below kernel.pty.max (%ld)", want, ptymax);
        return -1;
    }
    raise_nofile((rlim_t)want + 64);
    int *surplus = malloc(sizeof(int) * ((size_t)want + 1));
    if (!surplus) { seterr("out of memory"); return -1; }
    size_t ns = 0;
    int keep = -1;
    for (;;) {
        int fd = open(g_ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            if (any && ns > 0) { keep = surplus[0]; surplus[0] = -1; break; }
            seterr("open %s while seeking index %u (after %zu lower ones): %s%s", g_ptmx, want, ns,
                   strerror(e), e == ENOSPC ? " (pty limit: kernel.pty.max or the instance's max=)" : "");
            break;
        }
        unsigned n = 0;
        if (ioctl(fd, TIOCGPTN, &n) != 0) {
            seterr("TIOCGPTN: %s", strerror(errno));
            close(fd);
            break;
        }
        if (n == want) { keep = fd; break; }
        if (n < want && ns < (size_t)want) { surplus[ns++] = fd; continue; }
        /* n > want: the index is held by someone else */
        if (any) {
            if (ns > 0) { keep = surplus[0]; surplus[0] = -1; close(fd); }
            else keep = fd;
            break;
        }
        seterr("index %u is in use (the kernel handed out %u); use --devpts private or --index any", want, n);
        close(fd);
        break;
    }
    for (size_t i = 0; i < ns; i++)
        if (surplus[i] >= 0) close(surplus[i]);
    free(surplus);
    if (keep >= 0) {
        unsigned n = 0;
        ioctl(keep, TIOCGPTN, &n);
        *got = n;
    }
    return keep;
}

static int wait_fd(int fd, short ev, int timeout_ms)
{
    struct pollfd pf = {.fd = fd, .events = ev};
    for (;;) {
        int r = poll(&pf, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        return r;
    }
}

static int write_all_nb(int fd, const uint8_t *b, size_t n, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w > 0) { b += w; n -= (size_t)w; continue; }
        if (w < 0 && errno != EAGAIN && errno != EINTR) return -1;
        long long left = deadline - now_ms();
        if (left <= 0) { errno = ETIMEDOUT; return -1; }
        wait_fd(fd, POLLOUT, (int)left);
    }
    return 0;
}

/* Reads exactly n echoed bytes from the master and compares them: the echo of the
 * last injected byte is produced after that byte is stored in the slave's queue, so
 * this is the barrier for the asynchronous input processing (note section 6.4). */
static int drain_echo(int master, const uint8_t *want, size_t n, int timeout_ms)
{
    uint8_t buf[4096];
    size_t got = 0;
    long long deadline = now_ms() + timeout_ms;
    while (got < n) {
        size_t chunk = n - got < sizeof buf ? n - got : sizeof buf;
        ssize_t r = read(master, buf, chunk);
        if (r > 0) {
            if (memcmp(buf, want + got, (size_t)r) != 0) {
                seterr("input injection: unexpected echo after %zu bytes", got);
                return -1;
            }
            got += (size_t)r;
            continue;
        }
        if (r < 0 && errno != EAGAIN && errno != EINTR) {
            seterr("reading echo from the master: %s", strerror(errno));
            return -1;
        }
        long long left = deadline - now_ms();
        if (left <= 0) {
            seterr("input injection: only %zu of %zu bytes processed before the timeout", got, n);
            return -1;
        }
        wait_fd(master, POLLIN, (int)left);
    }
    return 0;
}

static struct ktermios final_termios(const struct pair *p, const struct ktermios *base)
{
    struct ktermios t = *base;
    t.c_iflag = p->t.iflag;
    t.c_oflag = p->t.oflag;
    t.c_cflag = p->t.cflag;
    t.c_lflag = p->t.lflag;
    t.c_line = (uint8_t)p->t.line;
    for (unsigned i = 0; i < PLAN_NCC; i++) t.c_cc[i] = (uint8_t)p->t.cc[i];
    return t;
}

/* Injects the pending input through the master under a temporary termios with the
 * final ICANON, no echo-visible processing except plain ECHO (used as the barrier),
 * no signals, no input mapping; canonical special bytes are quoted with VLNEXT. */
static int inject_input(struct pair *p, const struct ktermios *base)
{
    struct ktermios t = *base;
    uint8_t *stream = malloc(2 * p->in_len + 1), *echo = malloc(p->in_len + 1);
    int rc = -1;
    if (!stream || !echo) { seterr("out of memory"); goto out; }
    t.c_iflag = 0;
    t.c_oflag = 0;
    t.c_lflag = K_ECHO | (p->canonical ? (K_ICANON | K_IEXTEN) : 0);
    memset(t.c_cc, 0, sizeof t.c_cc);
    t.c_cc[K_VMIN] = 1;
    uint8_t veof = 0, vlnext = 0, veol = 0;
    if (p->canonical) {
        /* choose VEOF and VLNEXT among bytes that never end a line here */
        uint8_t used[256] = {0};
        used['\n'] = used[0] = 1;
        for (size_t i = 0; i < p->in_len; i++)
            if (p->in_end[i]) used[p->in[i]] = 1;
        for (int c = 1; c < 256 && !(veof && vlnext); c++)
            if (!used[c]) {
                if (!veof) veof = (uint8_t)c;
                else vlnext = (uint8_t)c;
            }
        t.c_cc[K_VEOF] = veof;
        t.c_cc[K_VLNEXT] = vlnext;
    }
    if (tcsets(p->slave, &t)) { seterr("TCSETS (injection termios): %s", strerror(errno)); goto out; }
    size_t ns = 0, ne = 0, ne_done = 0, ns_done = 0;
    for (size_t i = 0; i <= p->in_len; i++) {
        int flush = i == p->in_len;
        uint8_t c = i < p->in_len ? p->in[i] : 0;
        int is_end = !flush && p->in_end[i];
        if (is_end && c != '\n' && c != 0 && c != veol) flush = 1; /* needs a new VEOL */
        if (flush && ns > ns_done) {
            if (write_all_nb(p->master, stream + ns_done, ns - ns_done, 5000)) {
                seterr("writing input to the master: %s", strerror(errno));
                goto out;
            }
            if (drain_echo(p->master, echo + ne_done, ne - ne_done, 5000)) goto out;
            ns_done = ns;
            ne_done = ne;
        }
        if (i == p->in_len) break;
        if (is_end && c != '\n' && c != 0 && c != veol) {
            veol = c;
            t.c_cc[K_VEOL] = veol;
            if (tcsets(p->slave, &t)) { seterr("TCSETS (VEOL): %s", strerror(errno)); goto out; }
        }
        if (is_end) {
            if (c == 0) stream[ns++] = veof; /* EOF marker: stored as 0x00, not echoed */
            else { stream[ns++] = c; echo[ne++] = c; }
        } else {
            if (p->canonical && (c == '\n' || c == veof || c == vlnext || (veol && c == veol)))
                stream[ns++] = vlnext;
            stream[ns++] = c;
            echo[ne++] = c;
        }
    }
    /* nothing else may be pending on the master now */
    uint8_t extra[64];
    ssize_t r = read(p->master, extra, sizeof extra);
    if (r > 0) { seterr("input injection: %zd unexpected bytes on the master", r); goto out; }
    rc = 0;
out:
    free(stream);
    free(echo);
    return rc;
}

/* One n_tty buffer holds N_TTY_BUF_SIZE - 1 bytes; a 4096th byte would wait in the flip
 * buffer and be processed later under the final termios (echo, signals, ICRNL).  So the
 * first 4095 bytes are restored with the line ends the plan records among them (a line
 * cut there becomes the unterminated tail), and the report calls the input partial.
 * With --strict the restore is refused instead. */
static int cut_input_to_capacity(struct pair *p, int strict)
{
    if (p->in_len <= MAX_INPUT_RESTORABLE) return 0;
    if (strict) {
        seterr("line %u: pair %u: %zu input bytes; the kernel's n_tty buffer holds at most %u "
               "(N_TTY_BUF_SIZE - 1) and --strict refuses to restore only part of it",
               p->l_input, p->index, p->in_len, MAX_INPUT_RESTORABLE);
        return -1;
    }
    p->in_image_len = p->in_len;
    p->in_len = MAX_INPUT_RESTORABLE;
    return 0;
}

/* Output pending for the master of a hung-up pair: the master is not hung up and can still
 * read it.  Written before the hangup (which refuses writes to the slave afterwards) with OPOST
 * off, and waited for until the master's line discipline has it (FIONREAD on the master), since
 * a hangup flushes what is still in flight. */
static int queue_output_before_hangup(struct pair *p)
{
    struct ktermios t;
    if (tcgets(p->slave, &t)) { seterr("TCGETS: %s", strerror(errno)); return -1; }
    t.c_oflag &= ~K_OPOST;
    t.c_lflag &= ~K_ECHO;
    if (tcsets(p->slave, &t)) { seterr("TCSETS (output termios): %s", strerror(errno)); return -1; }
    if (write_all_nb(p->slave, p->out, p->out_len, 5000)) {
        seterr("writing output to the slave: %s", strerror(errno));
        return -1;
    }
    size_t want = p->out_len < MAX_INPUT_RESTORABLE ? p->out_len : MAX_INPUT_RESTORABLE;
    long long deadline = now_ms() + 5000;
    for (;;) {
        int q = 0;
        if (ioctl(p->master, FIONREAD, &q)) { seterr("FIONREAD (master): %s", strerror(errno)); return -1; }
        if ((size_t)q >= want) return 0;
        if (now_ms() > deadline) {
            seterr("output for the master: only %d of %zu bytes arrived before the timeout", q, want);
            return -1;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int restore_pair(struct pair *p, const struct opts *o)
{
    int one = 1, zero = 0;
    p->master = open_master_index(p->index, o->index_any, &p->got_index);
    if (p->master < 0) return -1;
    if (ioctl(p->master, TIOCSPTLCK, &zero)) { seterr("TIOCSPTLCK(0): %s", strerror(errno)); return -1; }
    p->slave = ioctl(p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (p->slave < 0) {
        char path[96];
        snprintf(path, sizeof path, "%s/%u", g_ptsdir, p->got_index);
        p->slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (p->slave < 0) { seterr("opening the slave %s: %s", path, strerror(errno)); return -1; }
    }
    int fl = fcntl(p->master, F_GETFL);
    fcntl(p->master, F_SETFL, fl | O_NONBLOCK);
    struct winsize ws = {.ws_row = (unsigned short)p->ws[0], .ws_col = (unsigned short)p->ws[1],
                         .ws_xpixel = (unsigned short)p->ws[2], .ws_ypixel = (unsigned short)p->ws[3]};
    if (ioctl(p->master, TIOCSWINSZ, &ws)) { seterr("TIOCSWINSZ: %s", strerror(errno)); return -1; }
    if (p->hungup) {
        if (p->out_len && queue_output_before_hangup(p)) return -1;
        /* Hanging up a pty slave resets its termios to the driver's defaults
         * (TTY_DRIVER_RESET_TERMIOS), so hang up first and set the state afterwards
         * through the master, which Linux redirects to the slave. */
        if (ioctl(p->slave, TIOCVHANGUP)) {
            seterr("TIOCVHANGUP (hang up the slave): %s%s", strerror(errno),
                   errno == EPERM ? " (needs CAP_SYS_ADMIN in the initial user namespace)" : "");
            return -1;
        }
        struct ktermios hb;
        if (tcgets(p->master, &hb)) { seterr("TCGETS (master): %s", strerror(errno)); return -1; }
        hb.c_iflag = hb.c_oflag = hb.c_cflag = hb.c_lflag = 0;
        struct ktermios hf = final_termios(p, &hb);
        if (tcsets(p->master, &hf)) { seterr("TCSETS (master): %s", strerror(errno)); return -1; }
        if (p->packet && ioctl(p->master, TIOCPKT, &one)) { seterr("TIOCPKT: %s", strerror(errno)); return -1; }
        if (p->exclusive) {
            int peer = ioctl(p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
            if (peer < 0 || ioctl(peer, TIOCEXCL)) {
                seterr("TIOCEXCL on a hung-up pair: %s", strerror(errno));
                if (peer >= 0) close(peer);
                return -1;
            }
            close(peer);
        }
        if (p->locked && ioctl(p->master, TIOCSPTLCK, &one)) { seterr("TIOCSPTLCK(1): %s", strerror(errno)); return -1; }
        return 0;
    }
    struct ktermios base;
    if (tcgets(p->slave, &base)) { seterr("TCGETS: %s", strerror(errno)); return -1; }
    /* the kernel keeps 32-bit flags; the image has 16: the upper bits are restored as 0 */
    base.c_iflag = base.c_oflag = base.c_cflag = base.c_lflag = 0;
    struct ktermios fin = final_termios(p, &base);
    if (p->in_len) {
        if (cut_input_to_capacity(p, o->strict)) return -1;
        if (inject_input(p, &base)) return -1;
    }
    if (p->out_len) {
        struct ktermios t = fin;
        t.c_oflag &= ~K_OPOST; /* the bytes were already output-processed */
        if (tcsets(p->slave, &t)) { seterr("TCSETS (output termios): %s", strerror(errno)); return -1; }
        if (write_all_nb(p->slave, p->out, p->out_len, 5000)) {
            seterr("writing output to the slave: %s", strerror(errno));
            return -1;
        }
    }
    if (tcsets(p->slave, &fin)) { seterr("TCSETS: %s", strerror(errno)); return -1; }
    if (p->stopped && ioctl(p->slave, TCXONC, K_TCOOFF)) { seterr("TCXONC(TCOOFF): %s", strerror(errno)); return -1; }
    /* after every termios change: enabling packet mode discards pending status */
    if (p->packet && ioctl(p->master, TIOCPKT, &one)) { seterr("TIOCPKT: %s", strerror(errno)); return -1; }
    if (p->exclusive && ioctl(p->slave, TIOCEXCL)) { seterr("TIOCEXCL: %s", strerror(errno)); return -1; }
    if (p->locked && ioctl(p->master, TIOCSPTLCK, &one)) { seterr("TIOCSPTLCK(1): %s", strerror(errno)); return -1; }
    return 0;
}

static void close_pairs(struct plan *pl)
{
    for (unsigned i = 0; i < pl->npairs; i++) {
        xclose(&pl->pairs[i].slave);
        xclose(&pl->pairs[i].master);
    }
}

/* ------------------------------------------------------------------ verify */

struct readback {
    int ok_index;
    unsigned index;
    int locked, packet, exclusive, stopped, hungup;
    int have_termios;
    struct ktermios t, mt;
    struct winsize ws;
    uint8_t in[2 * MAX_QUEUE + 8];
    uint8_t in_end[2 * MAX_QUEUE + 8];
    size_t in_len;
    /* the reader's view: one entry per canonical read, then the tail */
    size_t nlines;
    size_t line_off[MAX_QUEUE + 1], line_len[MAX_QUEUE + 1];
    uint8_t rd[2 * MAX_QUEUE + 8];
    size_t rd_len;
    uint8_t tail[2 * MAX_QUEUE + 8];
    size_t tail_len;
    uint8_t out[4 * MAX_QUEUE];
    size_t out_len;
    uint8_t status[64];
    size_t nstatus;
    int sid_ok, sid; /* TIOCGSID on the slave: the session whose controlling terminal it is */
    char note[256];
};

static int geti(int fd, unsigned long req, int *v)
{
    int x = 0;
    if (ioctl(fd, req, &x)) return -1;
    *v = x != 0;
    return 0;
}

/* Whose controlling terminal the slave is: TIOCGSID fails with ENOTTY when it is nobody's. */
static void read_session(int sfd, struct readback *rb)
{
    pid_t sid = 0;
    rb->sid_ok = ioctl(sfd, TIOCGSID, &sid) == 0;
    rb->sid = rb->sid_ok ? (int)sid : 0;
}

static void read_back(struct pair *p, struct readback *rb)
{
    memset(rb, 0, sizeof *rb);
    rb->locked = rb->packet = rb->exclusive = rb->stopped = rb->hungup = -1;
    unsigned n;
    if (ioctl(p->master, TIOCGPTN, &n) == 0) { rb->ok_index = 1; rb->index = n; }
    geti(p->master, TIOCGPTLCK, &rb->locked);
    geti(p->master, TIOCGPKT, &rb->packet);
    struct ktermios tmp;
    rb->hungup = tcgets(p->slave, &tmp) != 0 && errno == EIO;
    int sfd = p->slave;
    int peer = -1;
    if (rb->hungup) {
        /* our slave fd is dead: look through a fresh peer (unlock briefly if needed) */
        int zero = 0, one = 1;
        if (rb->locked == 1) ioctl(p->master, TIOCSPTLCK, &zero);
        peer = ioctl(p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (rb->locked == 1) ioctl(p->master, TIOCSPTLCK, &one);
        sfd = peer;
    }
    if (sfd >= 0) geti(sfd, TIOCGEXCL, &rb->exclusive);
    if (sfd >= 0) read_session(sfd, rb);
    rb->have_termios = sfd >= 0 && tcgets(sfd, &rb->t) == 0;
    tcgets(p->master, &rb->mt); /* redirected by Linux to the slave's termios */
    ioctl(p->master, TIOCGWINSZ, &rb->ws);

    /* output queue: read the master, one packet-mode status byte per read */
    uint8_t buf[8192];
    for (;;) {
        if (wait_fd(p->master, POLLIN, 50) <= 0) break;
        ssize_t r = read(p->master, buf, sizeof buf);
        if (r <= 0) break;
        size_t off = 0;
        if (rb->packet == 1) {
            if (buf[0] != 0) {
                if (rb->nstatus < sizeof rb->status) rb->status[rb->nstatus++] = buf[0];
                continue;
            }
            off = 1;
        }
        size_t k = (size_t)r - off;
        if (rb->out_len + k > sizeof rb->out) k = sizeof rb->out - rb->out_len;
        memcpy(rb->out + rb->out_len, buf + off, k);
        rb->out_len += k;
        if (rb->out_len == sizeof rb->out) break;
    }
    /* stopped output: a non-blocking write to a stopped slave fails with EAGAIN */
    if (!rb->hungup) {
        ssize_t w = write(p->slave, "", 1);
        rb->stopped = w < 0 && errno == EAGAIN;
    } else {
        rb->stopped = 0;
    }

    /* input queue */
    if (!rb->hungup && rb->have_termios) {
        if (rb->t.c_lflag & K_ICANON) {
            /* one read per line: the boundaries come from the kernel */
            while (wait_fd(p->slave, POLLIN, 0) > 0) {
                ssize_t r = read(p->slave, buf, sizeof buf);
                if (r < 0) break;
                if (rb->in_len + (size_t)r + 1 > sizeof rb->in || rb->nlines > MAX_QUEUE) break;
                rb->line_off[rb->nlines] = rb->rd_len;
                rb->line_len[rb->nlines++] = (size_t)r;
                memcpy(rb->rd + rb->rd_len, buf, (size_t)r);
                rb->rd_len += (size_t)r;
                memcpy(rb->in + rb->in_len, buf, (size_t)r);
                rb->in_len += (size_t)r;
                uint8_t last = r > 0 ? buf[r - 1] : 0;
                int term = r > 0 && (last == '\n' || (rb->t.c_cc[K_VEOL] && last == rb->t.c_cc[K_VEOL]) ||
                                     ((rb->t.c_lflag & K_IEXTEN) && rb->t.c_cc[16] && last == rb->t.c_cc[16]));
                if (term) rb->in_end[rb->in_len - 1] = 1;
                else { /* the line ended with EOF: the kernel stored it as 0x00 */
                    rb->in[rb->in_len] = 0;
                    rb->in_end[rb->in_len] = 1;
                    rb->in_len++;
                }
            }
            /* the unterminated tail: readable only once ICANON is off */
            struct ktermios raw = rb->t;
            raw.c_lflag &= ~K_ICANON;
            raw.c_cc[K_VMIN] = 0;
            raw.c_cc[K_VTIME] = 0;
            if (tcsets(p->slave, &raw) == 0) {
                int q = 0;
                ioctl(p->slave, FIONREAD, &q);
                while (q > 0) {
                    ssize_t r = read(p->slave, buf, sizeof buf);
                    if (r <= 0) break;
                    size_t k = (size_t)r;
                    if (rb->in_len + k > sizeof rb->in) k = sizeof rb->in - rb->in_len;
                    if (rb->tail_len + k > sizeof rb->tail) k = sizeof rb->tail - rb->tail_len;
                    memcpy(rb->in + rb->in_len, buf, k);
                    rb->in_len += k;
                    memcpy(rb->tail + rb->tail_len, buf, k);
                    rb->tail_len += k;
                    ioctl(p->slave, FIONREAD, &q);
                }
            }
        } else {
            int q = 0;
            ioctl(p->slave, FIONREAD, &q);
            while (q > 0) {
                ssize_t r = read(p->slave, buf, sizeof buf);
                if (r <= 0) break;
                size_t k = (size_t)r;
                if (rb->in_len + k > sizeof rb->in) k = sizeof rb->in - rb->in_len;
                if (rb->tail_len + k > sizeof rb->tail) k = sizeof rb->tail - rb->tail_len;
                memcpy(rb->in + rb->in_len, buf, k);
                rb->in_len += k;
                memcpy(rb->tail + rb->tail_len, buf, k);
                rb->tail_len += k;
                ioctl(p->slave, FIONREAD, &q);
            }
        }
    }
    if (peer >= 0) close(peer);
}

static void print_termios_obj(FILE *f, uint32_t i, uint32_t o, uint32_t c, uint32_t l, uint32_t line,
                              const uint32_t *cc)
{
    fprintf(f, "{\"c_iflag\":%u,\"c_oflag\":%u,\"c_cflag\":%u,\"c_lflag\":%u,\"c_line\":%u,\"c_cc\":[", i,
            o, c, l, line);
    for (unsigned k = 0; k < PLAN_NCC; k++) fprintf(f, "%s%u", k ? "," : "", cc[k]);
    fputs("]}", f);
}

static void print_line_ends(FILE *f, const uint8_t *ends, size_t n)
{
    fputc('[', f);
    int first = 1;
    for (size_t i = 0; i < n; i++)
        if (ends[i]) { fprintf(f, "%s%zu", first ? "" : ",", i); first = 0; }
    fputc(']', f);
}

/* The plan's input as a reader of the slave sees it: one read per complete line (an EOF
 * line end, stored as 0x00, is not returned), then the unterminated tail. */
static void print_image_reads_n(FILE *f, const struct pair *p, size_t len, int tail)
{
    size_t start = 0;
    if (!tail) fputc('[', f);
    int first = 1;
    for (size_t i = 0; i < len; i++)
        if (p->in_end[i]) {
            size_t end = p->in[i] == 0 ? i : i + 1;
            if (!tail) { fputs(first ? "" : ",", f); json_hex(f, p->in + start, end - start); }
            first = 0;
            start = i + 1;
        }
    if (!tail) fputc(']', f);
    else json_hex(f, p->in + start, len - start);
}

/* what was restored (the reads a reader of the restored slave should get) */
static void print_image_reads(FILE *f, const struct pair *p, int tail) { print_image_reads_n(f, p, p->in_len, tail); }

static size_t image_input_len(const struct pair *p) { return p->in_image_len ? p->in_image_len : p->in_len; }

static void print_kernel_reads(FILE *f, const struct readback *rb, int tail)
{
    if (tail) { json_hex(f, rb->tail, rb->tail_len); return; }
    fputc('[', f);
    for (size_t i = 0; i < rb->nlines; i++) {
        fputs(i ? "," : "", f);
        json_hex(f, rb->rd + rb->line_off[i], rb->line_len[i]);
    }
    fputc(']', f);
}

static int reads_equal(const struct pair *p, const struct readback *rb)
{
    char *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    FILE *fa = open_memstream(&a, &al), *fb = open_memstream(&b, &bl);
    if (!fa || !fb) { if (fa) fclose(fa); if (fb) fclose(fb); free(a); free(b); return 0; }
    print_image_reads(fa, p, 0); print_image_reads(fa, p, 1);
    print_kernel_reads(fb, rb, 0); print_kernel_reads(fb, rb, 1);
    fclose(fa);
    fclose(fb);
    int eq = al == bl && memcmp(a, b, al) == 0;
    free(a);
    free(b);
    return eq;
}

static void print_state_image(FILE *f, const struct pair *p)
{
    fprintf(f, "{\"index\":%u,\"locked\":", p->index);
    json_bool(f, p->locked); fputs(",\"packet\":", f);
    json_bool(f, p->packet); fputs(",\"exclusive\":", f);
    json_bool(f, p->exclusive); fputs(",\"stopped\":", f);
    json_bool(f, p->stopped); fputs(",\"hungup\":", f);
    json_bool(f, p->hungup); fputs(",\"slave\":{\"termios\":", f);
    print_termios_obj(f, p->t.iflag, p->t.oflag, p->t.cflag, p->t.lflag, p->t.line, p->t.cc);
    fprintf(f, ",\"winsize\":{\"ws_row\":%u,\"ws_col\":%u,\"ws_xpixel\":%u,\"ws_ypixel\":%u}},\"input\":",
            p->ws[0], p->ws[1], p->ws[2], p->ws[3]);
    json_hex(f, p->in, image_input_len(p));
    fputs(",\"input_line_ends\":", f);
    print_line_ends(f, p->in_end, image_input_len(p));
    fputs(",\"input_lines\":", f);
    print_image_reads_n(f, p, image_input_len(p), 0);
    fputs(",\"input_tail\":", f);
    print_image_reads_n(f, p, image_input_len(p), 1);
    fputs(",\"canonical\":", f);
    json_bool(f, p->canonical);
    fputs(",\"output\":", f);
    json_hex(f, p->out, p->out_len);
    fputc('}', f);
}

static void print_jbool_or_null(FILE *f, int v)
{
    if (v < 0) fputs("null", f);
    else json_bool(f, v);
}

static void print_state_kernel(FILE *f, const struct readback *rb)
{
    fputs("{\"index\":", f);
    if (rb->ok_index) fprintf(f, "%u", rb->index); else fputs("null", f);
    fputs(",\"locked\":", f); print_jbool_or_null(f, rb->locked);
    fputs(",\"packet\":", f); print_jbool_or_null(f, rb->packet);
    fputs(",\"exclusive\":", f); print_jbool_or_null(f, rb->exclusive);
    fputs(",\"stopped\":", f); print_jbool_or_null(f, rb->stopped);
    fputs(",\"hungup\":", f); print_jbool_or_null(f, rb->hungup);
    fputs(",\"slave\":{\"termios\":", f);
    if (rb->have_termios) {
        uint32_t cc[PLAN_NCC];
        for (unsigned k = 0; k < PLAN_NCC; k++) cc[k] = rb->t.c_cc[k];
        print_termios_obj(f, rb->t.c_iflag, rb->t.c_oflag, rb->t.c_cflag, rb->t.c_lflag, rb->t.c_line, cc);
    } else fputs("null", f);
    fprintf(f, ",\"winsize\":{\"ws_row\":%u,\"ws_col\":%u,\"ws_xpixel\":%u,\"ws_ypixel\":%u}},\"input\":",
            rb->ws.ws_row, rb->ws.ws_col, rb->ws.ws_xpixel, rb->ws.ws_ypixel);
    json_hex(f, rb->in, rb->in_len);
    fputs(",\"input_line_ends\":", f);
    print_line_ends(f, rb->in_end, rb->in_len);
    fputs(",\"input_lines\":", f);
    print_kernel_reads(f, rb, 0);
    fputs(",\"input_tail\":", f);
    print_kernel_reads(f, rb, 1);
    fputs(",\"canonical\":", f);
    json_bool(f, rb->have_termios && (rb->t.c_lflag & K_ICANON));
    fputs(",\"output\":", f);
    json_hex(f, rb->out, rb->out_len);
    fputs(",\"output_status\":[", f);
    for (size_t i = 0; i < rb->nstatus; i++) fprintf(f, "%s%u", i ? "," : "", rb->status[i]);
    fputs("],\"session\":", f);
    if (rb->sid_ok) fprintf(f, "%d", rb->sid); else fputs("null", f);
    fputc('}', f);
}

struct fieldw {
    FILE *f;
    int first;
    int mismatches;
};

static void field_begin(struct fieldw *w, const char *name)
{
    fputs(w->first ? "" : ",", w->f);
    w->first = 0;
    fputs("{\"name\":", w->f);
    json_str(w->f, name);
}

static void field_end(struct fieldw *w, const char *status, const char *reason)
{
    fputs(",\"status\":", w->f);
    json_str(w->f, status);
    fputs(",\"reason\":", w->f);
    if (reason) json_str(w->f, reason); else fputs("null", w->f);
    fputc('}', w->f);
}

static void field_num(struct fieldw *w, const char *name, long long img, long long ker, int ker_ok,
                      const char *mismatch_reason)
{
    field_begin(w, name);
    fprintf(w->f, ",\"image\":%lld,\"kernel\":", img);
    if (ker_ok) fprintf(w->f, "%lld", ker); else fputs("null", w->f);
    int ok = ker_ok && img == ker;
    if (!ok && !mismatch_reason) w->mismatches++;
    field_end(w, ok ? "restored" : "mismatch", ok ? NULL : mismatch_reason);
}

static void field_bool(struct fieldw *w, const char *name, int img, int ker)
{
    field_begin(w, name);
    fputs(",\"image\":", w->f);
    json_bool(w->f, img);
    fputs(",\"kernel\":", w->f);
    print_jbool_or_null(w->f, ker);
    int ok = ker >= 0 && img == ker;
    if (!ok) w->mismatches++;
    field_end(w, ok ? "restored" : "mismatch", ok ? NULL : (ker < 0 ? "the kernel did not report it" : NULL));
}

static void field_bytes(struct fieldw *w, const char *name, const uint8_t *a, size_t an, const uint8_t *b,
                        size_t bn)
{
    field_begin(w, name);
    fputs(",\"image\":", w->f);
    json_hex(w->f, a, an);
    fputs(",\"kernel\":", w->f);
    json_hex(w->f, b, bn);
    int ok = an == bn && (an == 0 || memcmp(a, b, an) == 0);
    if (!ok) w->mismatches++;
    field_end(w, ok ? "restored" : "mismatch", NULL);
}

/* input.lines / input.tail: restored, partial (the first 4095 bytes came back exactly, the
 * rest cannot be held by the kernel), not-restorable (a hung-up slave), or mismatch. */
static void print_input_fields(struct fieldw *w, const struct pair *p, const struct readback *rb)
{
    FILE *f = w->f;
    const char *status, *reason = NULL;
    char why[320];
    if (p->hungup) {
        status = "not-restorable";
        reason = "the slave is hung up: read() on a hung-up slave returns 0, so no input can be queued for "
                 "it or read from it (a v18 image holds no line discipline for a hung-up tty)";
    } else if (!reads_equal(p, rb)) {
        status = "mismatch";
        w->mismatches++;
    } else if (p->in_image_len) {
        status = "partial";
        snprintf(why, sizeof why,
                 "the kernel's n_tty buffer holds at most %u bytes (N_TTY_BUF_SIZE - 1): the first %zu of the "
                 "image's %zu input bytes were restored with their line ends, the last %zu were not",
                 MAX_INPUT_RESTORABLE, p->in_len, p->in_image_len, p->in_image_len - p->in_len);
        reason = why;
    } else {
        status = "restored";
    }
    field_begin(w, "input.lines");
    fputs(",\"image\":", f); print_image_reads_n(f, p, image_input_len(p), 0);
    fputs(",\"kernel\":", f);
    if (p->hungup) fputs("null", f); else print_kernel_reads(f, rb, 0);
    field_end(w, status, reason);
    field_begin(w, "input.tail");
    fputs(",\"image\":", f); print_image_reads_n(f, p, image_input_len(p), 1);
    fputs(",\"kernel\":", f);
    if (p->hungup) fputs("null", f); else print_kernel_reads(f, rb, 1);
    field_end(w, status, reason);
}

static int print_pair_report(FILE *f, const struct pair *p, const struct readback *rb, const struct opts *o)
{
    struct fieldw w = {f, 1, 0};
    fputs("{\"image\":", f);
    print_state_image(f, p);
    fputs(",\"kernel\":", f);
    print_state_kernel(f, rb);
    fputs(",\"fields\":[", f);
    char why[160];
    snprintf(why, sizeof why, "--index any: index %u was not available, the kernel handed out %u", p->index,
             rb->index);
    field_num(&w, "index", p->index, rb->index, rb->ok_index, o->index_any && rb->ok_index ? why : NULL);
    field_bool(&w, "locked", p->locked, rb->locked);
    field_bool(&w, "packet", p->packet, rb->packet);
    field_bool(&w, "exclusive", p->exclusive, rb->exclusive);
    field_bool(&w, "stopped", p->stopped, rb->stopped);
    field_bool(&w, "hungup", p->hungup, rb->hungup);
    field_num(&w, "slave.termios.c_iflag", p->t.iflag, rb->t.c_iflag, rb->have_termios, NULL);
    field_num(&w, "slave.termios.c_oflag", p->t.oflag, rb->t.c_oflag, rb->have_termios, NULL);
    field_num(&w, "slave.termios.c_cflag", p->t.cflag, rb->t.c_cflag, rb->have_termios, NULL);
    field_num(&w, "slave.termios.c_lflag", p->t.lflag, rb->t.c_lflag, rb->have_termios, NULL);
    field_num(&w, "slave.termios.c_line", p->t.line, rb->t.c_line, rb->have_termios, NULL);
    for (unsigned k = 0; k < PLAN_NCC; k++) {
        char nm[40];
        snprintf(nm, sizeof nm, "slave.termios.c_cc[%u]", k);
        field_num(&w, nm, p->t.cc[k], rb->t.c_cc[k], rb->have_termios, NULL);
    }
    field_num(&w, "slave.winsize.ws_row", p->ws[0], rb->ws.ws_row, 1, NULL);
    field_num(&w, "slave.winsize.ws_col", p->ws[1], rb->ws.ws_col, 1, NULL);
    field_num(&w, "slave.winsize.ws_xpixel", p->ws[2], rb->ws.ws_xpixel, 1, NULL);
    field_num(&w, "slave.winsize.ws_ypixel", p->ws[3], rb->ws.ws_ypixel, 1, NULL);
    /* input is compared as the reader sees it: what each read() returns (one line per read
     * in canonical mode) and the unterminated tail.  The ring bytes in "kernel.input" are
     * reconstructed from those reads (an EOF line end shows as 0x00). */
    print_input_fields(&w, p, rb);
    field_bytes(&w, "output", p->out, p->out_len, rb->out, rb->out_len);
    /* packet-mode status bytes must never appear: none is in the image */
    field_num(&w, "output.packet_status_reads", 0, (long long)rb->nstatus, 1, NULL);
    if (p->has_mterm) {
        field_begin(&w, "master.termios");
        fputs(",\"image\":", f);
        print_termios_obj(f, p->mterm.iflag, p->mterm.oflag, p->mterm.cflag, p->mterm.lflag, p->mterm.line,
                          p->mterm.cc);
        fputs(",\"kernel\":null", f);
        field_end(&w, "not-restorable",
                  "Linux redirects TCGETS/TCSETS on a pty master to the slave's termios (tty_mode_ioctl "
                  "uses tty->link); the master's own termios cannot be read or set from userspace");
    }
    if (p->has_column) {
        field_begin(&w, "n_tty.column");
        fprintf(f, ",\"image\":%u,\"kernel\":null", p->column);
        field_end(&w, "not-restorable",
                  "no ioctl reads or sets the n_tty output column; only output and echo processing move it");
    }
    fputs("]}", f);
    return w.mismatches;
}

/* ------------------------------------------------------------------ report framing */

/* A remote login shell may print (a banner from ~/.bashrc) before the helper starts, on the
 * same stdout.  So the report goes out framed: a newline, the marker line with the payload's
 * length in bytes, then exactly that many bytes.  The client ignores (and reports) what comes
 * before the marker, and checks the length. */
#define REPORT_MARKER "CKPT-PTY-HELPER-REPORT/1"

static int emit_framed(FILE *f, const char *payload, size_t len)
{
    if (fprintf(f, "\n%s %zu\n", REPORT_MARKER, len) < 0) return -1;
    if (len && fwrite(payload, 1, len, f) != len) return -1;
    return fflush(f);
}

/* ------------------------------------------------------------------ attach */

static volatile sig_atomic_t g_dummy;

static int attach(struct plan *pl, struct pair *p, const struct opts *o)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) { seterr("signalfd: %s", strerror(errno)); sigprocmask(SIG_SETMASK, &old, NULL); return -1; }
    int canonical = p->canonical;
    uint8_t veof = (uint8_t)p->t.cc[K_VEOF];
    int pkt = p->packet;
    int slave_fd = p->slave;
    /* the child gets a blocking slave */
    int fl = fcntl(slave_fd, F_GETFL);
    fcntl(slave_fd, F_SETFL, fl & ~O_NONBLOCK);
    pid_t child = fork();
    if (child < 0) {
        seterr("fork: %s", strerror(errno));
        close(sfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    if (child == 0) {
        setsid();
        if (ioctl(slave_fd, TIOCSCTTY, 0)) { perror("ckpt-pty-helper: TIOCSCTTY"); _exit(127); }
        if (dup2(slave_fd, 0) < 0 || dup2(slave_fd, 1) < 0 || dup2(slave_fd, 2) < 0) _exit(127);
        int sigs[] = {SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGCHLD, SIGWINCH, SIGTERM};
        for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        /* Our own fds are O_CLOEXEC, but fds we inherited are not (an attach run with --plan
         * /dev/fd/3 inherits the plan on fd 3): the command gets only the terminal. */
        long maxfd = sysconf(_SC_OPEN_MAX);
        if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
        for (int fd = 3; fd < maxfd; fd++) close(fd);
        if (o->command) {
            execl("/bin/sh", "sh", "-c", o->command, (char *)NULL);
        } else {
            /* the login shell from /etc/passwd (no NSS: the helper also links statically) */
            static char pwsh[256];
            const char *sh = getenv("SHELL");
            FILE *pf = fopen("/etc/passwd", "re");
            if (pf) {
                char l[1024];
                while (fgets(l, sizeof l, pf)) {
                    char *fld[7] = {0};
                    char *q = l;
                    int nf = 0;
                    while (nf < 7) { fld[nf++] = q; q = strchr(q, ':'); if (!q) break; *q++ = 0; }
                    if (nf == 7 && (uid_t)strtoul(fld[2], NULL, 10) == getuid()) {
                        fld[6][strcspn(fld[6], "\n")] = 0;
                        if (fld[6][0] == '/') { snprintf(pwsh, sizeof pwsh, "%s", fld[6]); sh = pwsh; }
                        break;
                    }
                }
                fclose(pf);
            }
            if (!sh || !sh[0]) sh = "/bin/sh";
            const char *base = strrchr(sh, '/');
            base = base ? base + 1 : sh;
            char arg0[256];
            size_t bl = strlen(base) < sizeof arg0 - 2 ? strlen(base) : sizeof arg0 - 2;
            arg0[0] = '-';
            memcpy(arg0 + 1, base, bl);
            arg0[bl + 1] = 0;
            execl(sh, arg0, (char *)NULL);
        }
        perror("ckpt-pty-helper: exec");
        _exit(127);
    }
    /* the file description is shared with the child: leave it blocking.
     * the parent keeps the slave open (no EIO on the master while the child runs) */
    struct termios saved_tio;
    int stdin_tty = isatty(0) && tcgetattr(0, &saved_tio) == 0;
    if (stdin_tty) {
        struct termios r = saved_tio;
        cfmakeraw(&r);
        tcsetattr(0, TCSANOW, &r);
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row) ioctl(p->master, TIOCSWINSZ, &ws);
    }
    int status = 0, exited = 0, stdin_open = 1;
    long long eof_at = -1;
    int hung = 0;
    uint8_t buf[8192];
    int master = p->master;
    for (;;) {
        struct pollfd pf[3] = {{.fd = sfd, .events = POLLIN},
                               {.fd = master, .events = POLLIN},
                               {.fd = stdin_open ? 0 : -1, .events = POLLIN}};
        int timeout = -1;
        if (eof_at >= 0) {
            long long left = eof_at + 2000 - now_ms();
            timeout = left > 0 ? (int)left : 0;
        }
        if (exited) timeout = 100; /* drain the master, then leave */
        int r = poll(pf, 3, timeout);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) {
            if (exited) break;
            if (eof_at >= 0 && !hung) { /* the command ignored EOF: hang up */
                xclose(&p->master);
                master = -1;
                hung = 1;
                eof_at = now_ms();
            } else if (hung) {
                kill(child, SIGKILL);
                eof_at = -1;
            }
            continue;
        }
        if (pf[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGWINCH && stdin_tty && master >= 0) {
                    struct winsize ws;
                    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
                } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP) {
                    kill(child, SIGHUP);
                    kill(child, SIGTERM);
                }
            }
            if (!exited && waitpid(child, &status, WNOHANG) == child) exited = 1;
        }
        if (master >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n > 0) {
                size_t off = 0;
                if (pkt) {
                    if (buf[0] != 0) n = 0; /* a status read: no data */
                    else off = 1;
                }
                if (n > 0 && write_all_nb(1, buf + off, (size_t)n - off, 10000)) stdin_open = 0;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                if (exited) break;
            } else if (n == 0 && exited) break;
        } else if (exited) {
            if (master < 0 || wait_fd(master, POLLIN, 0) <= 0) break;
        }
        if (stdin_open && (pf[2].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n > 0 && master >= 0) {
                if (write_all_nb(master, buf, (size_t)n, 10000)) stdin_open = 0;
            } else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                stdin_open = 0;
                if (master >= 0 && canonical && veof) {
                    if (write(master, &veof, 1) < 0) { /* fall through to the hangup timer */ }
                }
                eof_at = now_ms();
            }
        }
    }
    if (!exited) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    if (stdin_tty) tcsetattr(0, TCSANOW, &saved_tio);
    close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close_pairs(pl);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

/* Hands the restored pairs to another program (an independent checker, or a program
 * that adopts them): pair i's master is fd 3+2i and its slave fd 4+2i; the variable
 * CKPT_PTY_FDS lists "index:masterfd:slavefd" per pair.  No controlling tty, no relay. */
static int exec_with_fds(struct plan *pl, const char *cmd)
{
    char env[64 * MAX_PAIRS];
    size_t off = 0;
    env[0] = 0;
    for (unsigned i = 0; i < pl->npairs; i++)
        off += (size_t)snprintf(env + off, sizeof env - off, "%s%u:%u:%u", i ? "," : "",
                                pl->pairs[i].got_index, 3 + 2 * i, 4 + 2 * i);
    pid_t child = fork();
    if (child < 0) { seterr("fork: %s", strerror(errno)); return -1; }
    if (child == 0) {
        int hi[2 * MAX_PAIRS];
        for (unsigned i = 0; i < pl->npairs; i++) {
            hi[2 * i] = fcntl(pl->pairs[i].master, F_DUPFD_CLOEXEC, 200);
            hi[2 * i + 1] = fcntl(pl->pairs[i].slave, F_DUPFD_CLOEXEC, 200);
            if (hi[2 * i] < 0 || hi[2 * i + 1] < 0) _exit(127);
        }
        for (unsigned i = 0; i < 2 * pl->npairs; i++)
            if (dup2(hi[i], 3 + (int)i) < 0) _exit(127);
        for (unsigned i = 0; i < pl->npairs; i++) {
            int fl = fcntl(3 + 2 * (int)i, F_GETFL);
            fcntl(3 + 2 * (int)i, F_SETFL, fl & ~O_NONBLOCK);
        }
        setenv("CKPT_PTY_FDS", env, 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    close_pairs(pl);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* ------------------------------------------------------------------ probe */

static void probe(const struct opts *o)
{
    FILE *f = stdout;
    struct utsname u;
    uname(&u);
    fputs("{\"helper\":", f);
    json_str(f, HELPER_VERSION);
    fputs(",\"kernel\":{\"sysname\":", f);
    json_str(f, u.sysname);
    fputs(",\"release\":", f);
    json_str(f, u.release);
    fputs(",\"machine\":", f);
    json_str(f, u.machine);
    fprintf(f, "},\"euid\":%u,\"userns\":", (unsigned)geteuid());
    json_bool(f, g_userns);
    fputs(",\"devpts\":{\"mode\":", f);
    json_str(f, o->private_devpts ? "private" : "shared");
    fputs(",\"dir\":", f);
    json_str(f, g_ptsdir);
    fputs(",\"ptmx\":", f);
    json_str(f, g_ptmx);
    struct statfs sf;
    int isdevpts = statfs(g_ptsdir, &sf) == 0 && sf.f_type == DEVPTS_SUPER_MAGIC;
    fputs(",\"is_devpts\":", f);
    json_bool(f, isdevpts);
    char opts[512] = "";
    FILE *mi = fopen("/proc/self/mountinfo", "re");
    if (mi) {
        char line[2048];
        while (fgets(line, sizeof line, mi)) {
            char mp[512], fstype[64], src[256], sopts[512];
            /* id parent maj:min root mountpoint options ... - fstype source superopts */
            char *dash = strstr(line, " - ");
            if (!dash) continue;
            if (sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1) continue;
            if (sscanf(dash + 3, "%63s %255s %511s", fstype, src, sopts) != 3) continue;
            if (strcmp(mp, g_ptsdir) == 0 && strcmp(fstype, "devpts") == 0) snprintf(opts, sizeof opts, "%s", sopts);
        }
        fclose(mi);
    }
    fputs(",\"options\":", f);
    json_str(f, opts);
    struct stat st;
    fputs(",\"ptmx_is_char_5_2\":", f);
    json_bool(f, stat("/dev/ptmx", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 &&
                     minor(st.st_rdev) == 2);
    fputs("},\"pty\":{", f);
    const char *names[] = {"max", "reserve", "nr"};
    for (int i = 0; i < 3; i++) {
        char path[64];
        long v;
        snprintf(path, sizeof path, "/proc/sys/kernel/pty/%s", names[i]);
        fprintf(f, "%s\"%s\":", i ? "," : "", names[i]);
        if (read_sysctl(path, &v) == 0) fprintf(f, "%ld", v); else fputs("null", f);
    }
    long lt;
    fputs(",\"legacy_tiocsti\":", f);
    if (read_sysctl("/proc/sys/dev/tty/legacy_tiocsti", &lt) == 0) fprintf(f, "%ld", lt); else fputs("null", f);
    fputc('}', f);
    if (o->probe_index >= 0) {
        char path[96];
        snprintf(path, sizeof path, "%s/%ld", g_ptsdir, o->probe_index);
        int used = access(path, F_OK) == 0;
        fprintf(f, ",\"index\":{\"index\":%ld,\"free\":", o->probe_index);
        json_bool(f, !used);
        fputc('}', f);
    }
    /* what the running kernel actually holds: measured on a throw-away pair */
    fputs(",\"measured\":", f);
    int m = open(g_ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (m < 0) {
        fputs("null", f);
    } else {
        int zero = 0, q = -1, pk = -1, ex = -1, lk = -1;
        ioctl(m, TIOCSPTLCK, &zero);
        int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        fputs("{\"raw_input_capacity\":", f);
        if (s >= 0) {
            struct ktermios t;
            tcgets(s, &t);
            t.c_iflag = 0; t.c_oflag = 0; t.c_lflag = 0; t.c_cc[K_VMIN] = 1; t.c_cc[K_VTIME] = 0;
            tcsets(s, &t);
            static uint8_t fill[5000];
            memset(fill, 'x', sizeof fill);
            if (write_all_nb(m, fill, 4096, 2000) == 0) {
                /* FIONREAD settles once the flip buffer has been processed */
                long long dl = now_ms() + 2000;
                int last = -1, same = 0;
                while (now_ms() < dl && same < 20) {
                    ioctl(s, FIONREAD, &q);
                    same = q == last ? same + 1 : 0;
                    last = q;
                    struct timespec ts = {0, 2000000};
                    nanosleep(&ts, NULL);
                }
            }
            fprintf(f, "%d", q);
            geti(m, TIOCGPKT, &pk);
            geti(s, TIOCGEXCL, &ex);
            geti(m, TIOCGPTLCK, &lk);
            close(s);
        } else fputs("null", f);
        fprintf(f, ",\"TIOCGPKT\":%s,\"TIOCGEXCL\":%s,\"TIOCGPTLCK\":%s,\"TIOCGPTPEER\":%s}",
                pk >= 0 ? "true" : "false", ex >= 0 ? "true" : "false", lk >= 0 ? "true" : "false",
                s >= 0 ? "true" : "false");
        close(m);
    }
    fprintf(f, ",\"limits\":{\"plan_version\":%u,\"max_pairs\":%u,\"max_queue\":%u,\"max_input_restorable\":%u,"
               "\"max_index\":%u,\"plan_ncc\":%u,\"kernel_nccs\":%u}",
            PLAN_VERSION, MAX_PAIRS, MAX_QUEUE, MAX_INPUT_RESTORABLE, MAX_INDEX, PLAN_NCC, KNCCS);
    fprintf(f, ",\"constants\":{\"TIOCGPTN\":%lu,\"TIOCSPTLCK\":%lu,\"TIOCGPTLCK\":%lu,\"TIOCGPTPEER\":%lu,"
               "\"TIOCPKT\":%lu,\"TIOCGPKT\":%lu,\"TIOCEXCL\":%lu,\"TIOCNXCL\":%lu,\"TIOCGEXCL\":%lu,"
               "\"TIOCSWINSZ\":%lu,\"TIOCGWINSZ\":%lu,\"TCGETS\":%lu,\"TCSETS\":%lu,\"TCXONC\":%lu,"
               "\"TIOCVHANGUP\":%lu,\"FIONREAD\":%lu,\"ICANON\":%u,\"ECHO\":%u,\"IEXTEN\":%u,\"OPOST\":%u,"
               "\"ICRNL\":%u,\"IXON\":%u,\"VEOF\":%d,\"VEOL\":%d,\"VLNEXT\":%d,\"N_TTY_BUF_SIZE\":4096}}\n",
            (unsigned long)TIOCGPTN, (unsigned long)TIOCSPTLCK, (unsigned long)TIOCGPTLCK,
            (unsigned long)TIOCGPTPEER, (unsigned long)TIOCPKT, (unsigned long)TIOCGPKT,
            (unsigned long)TIOCEXCL, (unsigned long)TIOCNXCL, (unsigned long)TIOCGEXCL,
            (unsigned long)TIOCSWINSZ, (unsigned long)TIOCGWINSZ, (unsigned long)TCGETS,
            (unsigned long)TCSETS, (unsigned long)TCXONC, (unsigned long)TIOCVHANGUP,
            (unsigned long)FIONREAD, K_ICANON, K_ECHO, K_IEXTEN, K_OPOST, K_ICRNL, K_IXON, K_VEOF, K_VEOL,
            K_VLNEXT);
}

/* ------------------------------------------------------------------ capture */

/* capture --pid PID [--fd N]: describe the pseudo-terminals a running process holds, through
 * duplicates of its fds (pidfd_open + pidfd_getfd, Linux >= 5.6) and ioctls that only read.
 * Nothing is read from a queue, nothing is set: the live session is left as it was.  The
 * description is JSON (format ckpt-pty-capture/1), framed like the verify report. */
#define CAPTURE_FORMAT "ckpt-pty-capture/1"
#define MAX_CAPTURE_FDS 256u
#define MAX_PROC_FDS 1048576L
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#define K_UNIX98_SLAVE_MAJOR 136u
#define K_UNIX98_SLAVE_MAJORS 8u

struct capfd {
    int target_fd, fd; /* the target's number, our duplicate */
    int master;        /* 1: a ptmx (master) open, 0: a /dev/pts/N (slave) open */
    unsigned index;
    unsigned long flags; /* fdinfo flags: (octal in /proc, the file's f_flags) */
    long long pos;
    int file; /* the target fd of the first listed fd on the same open file (kcmp KCMP_FILE) */
};

struct cappair {
    unsigned index;
    int m, s; /* indexes into the capfd array, -1 when the target holds no such side */
};

/* capture --drain: the queues of one pair, as read (and put back) */
struct drained {
    int done;
    uint8_t in[2 * MAX_QUEUE + 8];
    uint8_t in_end[2 * MAX_QUEUE + 8];
    size_t in_len;
    uint8_t out[16 * MAX_QUEUE];
    size_t out_len;
    int in_before, out_before, in_after, out_after;
};

struct proc_stat {
    int ok;
    int ppid, pgrp, session, tty_nr, tpgid;
    char comm[64];
};

static int read_proc_stat(long pid, struct proc_stat *ps)
{
    char path[64], buf[2048];
    memset(ps, 0, sizeof *ps);
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *l = strchr(buf, '('), *r = strrchr(buf, ')');
    if (!l || !r || r < l) return -1;
    size_t cl = (size_t)(r - l - 1);
    if (cl >= sizeof ps->comm) cl = sizeof ps->comm - 1;
    memcpy(ps->comm, l + 1, cl);
    ps->comm[cl] = 0;
    char state;
    if (sscanf(r + 1, " %c %d %d %d %d %d", &state, &ps->ppid, &ps->pgrp, &ps->session, &ps->tty_nr, &ps->tpgid) != 6) return -1;
    ps->ok = 1;
    return 0;
}

/* The fdinfo of fd in the target: its open flags and position. */
static int read_fdinfo(long pid, int fd, unsigned long *flags, long long *pos)
{
    char path[96], buf[4096];
    snprintf(path, sizeof path, "/proc/%ld/fdinfo/%d", pid, fd);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) return -1;
    ssize_t n = read(f, buf, sizeof buf - 1);
    close(f);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strstr(buf, "flags:");
    char *q = strstr(buf, "pos:");
    if (!p || !q) return -1;
    *flags = strtoul(p + 6, NULL, 8);
    *pos = strtoll(q + 4, NULL, 10);
    return 0;
}

static const char *ptrace_scope_text(void)
{
    static char t[160];
    long v;
    if (read_sysctl("/proc/sys/kernel/yama/ptrace_scope", &v) != 0)
        snprintf(t, sizeof t, "no Yama here: the same user may, or CAP_SYS_PTRACE");
    else
        snprintf(t, sizeof t, "Yama ptrace_scope is %ld here: 0 the same user may, 1 only an ancestor, 2 only CAP_SYS_PTRACE, 3 nobody", v);
    return t;
}

/* Takes a duplicate of the target's fd; -1 with g_err set. */
static int take_fd(int pidfd, long pid, int tfd)
{
    int fd = (int)syscall(SYS_pidfd_getfd, pidfd, tfd, 0);
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        return fd;
    }
    int e = errno;
    if (e == ENOSYS) {
        struct utsname u;
        uname(&u);
        seterr("pidfd_getfd: not in this kernel (%.64s): capture needs Linux 5.6 or later", u.release);
    } else if (e == EPERM) {
        seterr("no permission to take fd %d of pid %ld (pidfd_getfd needs ptrace access to it; %s)", tfd, pid,
               ptrace_scope_text());
    } else if (e == ESRCH) {
        seterr("pid %ld has exited", pid);
    } else if (e == EBADF) {
        seterr("pid %ld has no fd %d (any more)", pid, tfd);
    } else {
        seterr("pidfd_getfd(pid %ld, fd %d): %s", pid, tfd, strerror(e));
    }
    errno = e;
    return -1;
}

/* 1: a UNIX98 pty (master or slave) with its index, 0: something else (what says which),
 * -1: fstat failed. */
static int classify_fd(int fd, struct capfd *c, const char **what)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    *what = S_ISREG(st.st_mode) ? "a regular file" : S_ISDIR(st.st_mode) ? "a directory" :
            S_ISFIFO(st.st_mode) ? "a pipe" : S_ISSOCK(st.st_mode) ? "a socket" :
            S_ISCHR(st.st_mode) ? "a character device other than a pty" : "not a pty";
    if (!S_ISCHR(st.st_mode)) return 0;
    unsigned maj = major(st.st_rdev), mnr = minor(st.st_rdev);
    if (maj == 5 && mnr == 2) {
        unsigned n = 0;
        if (ioctl(fd, TIOCGPTN, &n) != 0) return 0;
        c->master = 1;
        c->index = n;
        return 1;
    }
    if (maj >= K_UNIX98_SLAVE_MAJOR && maj < K_UNIX98_SLAVE_MAJOR + K_UNIX98_SLAVE_MAJORS) {
        c->master = 0;
        c->index = (maj - K_UNIX98_SLAVE_MAJOR) * 256u + mnr;
        return 1;
    }
    if (maj == 2 || maj == 3) *what = "a legacy BSD pty (only UNIX98 ptys can be captured)";
    return 0;
}

static void json_int_or_null(FILE *f, int ok, long long v)
{
    if (ok) fprintf(f, "%lld", v);
    else fputs("null", f);
}

static void json_ioctl_bool(FILE *f, int fd, unsigned long req)
{
    int v = 0;
    if (fd >= 0 && ioctl(fd, req, &v) == 0) json_bool(f, v != 0);
    else fputs("null", f);
}

static void json_ioctl_count(FILE *f, int fd, unsigned long req)
{
    int v = 0;
    if (fd >= 0 && ioctl(fd, req, &v) == 0) fprintf(f, "%d", v);
    else fputs("null", f);
}

static void print_capture_pair(FILE *f, const struct cappair *p, const struct capfd *fds, const struct proc_stat *ps,
                               const struct drained *dr)
{
    int mfd = p->m >= 0 ? fds[p->m].fd : -1, sfd = p->s >= 0 ? fds[p->s].fd : -1;
    fprintf(f, "{\"index\":%u,\"master_fd\":", p->index);
    json_int_or_null(f, mfd >= 0, mfd >= 0 ? fds[p->m].target_fd : 0);
    fputs(",\"slave_fd\":", f);
    json_int_or_null(f, sfd >= 0, sfd >= 0 ? fds[p->s].target_fd : 0);
    /* the slave's termios: on the slave, or through the master (Linux answers with the slave's) */
    struct ktermios t;
    int tfd = sfd >= 0 ? sfd : mfd;
    int have_t = tcgets(tfd, &t) == 0;
    int hungup = !have_t && errno == EIO && sfd >= 0;
    if (!have_t && hungup && mfd >= 0) have_t = tcgets(mfd, &t) == 0;
    fputs(",\"hungup\":", f);
    json_bool(f, hungup);
    fputs(",\"termios\":", f);
    if (have_t) {
        fprintf(f, "{\"c_iflag\":%u,\"c_oflag\":%u,\"c_cflag\":%u,\"c_lflag\":%u,\"c_line\":%u,\"c_cc\":[", t.c_iflag,
                t.c_oflag, t.c_cflag, t.c_lflag, t.c_line);
        for (unsigned k = 0; k < KNCCS; k++) fprintf(f, "%s%u", k ? "," : "", t.c_cc[k]);
        fputs("]}", f);
    } else fputs("null", f);
    struct winsize ws;
    int wfd = sfd >= 0 && !hungup ? sfd : mfd;
    fputs(",\"winsize\":", f);
    if (wfd >= 0 && ioctl(wfd, TIOCGWINSZ, &ws) == 0)
        fprintf(f, "{\"ws_row\":%u,\"ws_col\":%u,\"ws_xpixel\":%u,\"ws_ypixel\":%u}", ws.ws_row, ws.ws_col,
                ws.ws_xpixel, ws.ws_ypixel);
    else fputs("null", f);
    int ld = 0;
    fputs(",\"ldisc\":", f);
    json_int_or_null(f, ioctl(tfd, TIOCGETD, &ld) == 0, ld);
    fputs(",\"packet\":", f);
    json_ioctl_bool(f, mfd, TIOCGPKT);
    fputs(",\"locked\":", f);
    json_ioctl_bool(f, mfd, TIOCGPTLCK);
    fputs(",\"exclusive\":", f);
    json_ioctl_bool(f, hungup ? -1 : sfd, TIOCGEXCL);
    /* The session and foreground group: from the target's own stat when this pty is its
     * controlling terminal (TIOCGSID/TIOCGPGRP answer only the terminal's own session), else
     * through the master, which Linux answers for the slave. */
    int is_ctty = ps->ok && ps->tty_nr != 0 && (unsigned)major((dev_t)ps->tty_nr) >= K_UNIX98_SLAVE_MAJOR &&
                  (unsigned)major((dev_t)ps->tty_nr) < K_UNIX98_SLAVE_MAJOR + K_UNIX98_SLAVE_MAJORS &&
                  ((unsigned)major((dev_t)ps->tty_nr) - K_UNIX98_SLAVE_MAJOR) * 256u + minor((dev_t)ps->tty_nr) == p->index;
    pid_t sid = 0, pg = 0;
    int sid_ok = 0, pg_ok = 0;
    if (mfd >= 0) {
        sid_ok = ioctl(mfd, TIOCGSID, &sid) == 0;
        pg_ok = ioctl(mfd, TIOCGPGRP, &pg) == 0;
    }
    if (!sid_ok && is_ctty) { sid = ps->session; sid_ok = 1; }
    if (!pg_ok && is_ctty && ps->tpgid > 0) { pg = ps->tpgid; pg_ok = 1; }
    fputs(",\"controlling_terminal_of_target\":", f);
    json_bool(f, is_ctty);
    fputs(",\"session\":", f);
    json_int_or_null(f, sid_ok, sid);
    fputs(",\"pgrp\":", f);
    json_int_or_null(f, pg_ok, pg);
    /* queue counts without reading: FIONREAD on the slave (canonical: complete lines only),
     * FIONREAD on the master (output waiting for the master's reader), TIOCOUTQ on both */
    fputs(",\"input_count\":", f);
    json_ioctl_count(f, hungup ? -1 : sfd, FIONREAD);
    fputs(",\"output_count\":", f);
    json_ioctl_count(f, mfd, FIONREAD);
    fputs(",\"slave_outq\":", f);
    json_ioctl_count(f, hungup ? -1 : sfd, TIOCOUTQ);
    fputs(",\"master_outq\":", f);
    json_ioctl_count(f, mfd, TIOCOUTQ);
    /* --drain: the queues' bytes, read and put back (null without --drain) */
    fputs(",\"input\":", f);
    if (dr && dr->done) json_hex(f, dr->in, dr->in_len); else fputs("null", f);
    fputs(",\"input_line_ends\":", f);
    if (dr && dr->done) print_line_ends(f, dr->in_end, dr->in_len); else fputs("null", f);
    fputs(",\"output\":", f);
    if (dr && dr->done) json_hex(f, dr->out, dr->out_len); else fputs("null", f);
    fputc('}', f);
}

/* ---- capture --drain: the queues read and put back exactly, the target stopped meanwhile */

static char proc_state(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *r = strrchr(buf, ')');
    return r && r[1] == ' ' ? r[2] : 0;
}

/* Another process that holds this pty (its slave, or its master) could read or write its queues
 * while they are out: the drain refuses then.  Processes whose fds cannot be listed are counted
 * (they are other users').  Every devpts instance has its own pts/0, all with device number 136:0,
 * so a slave is this one only on this instance's file system (st_dev) too; and every open of ptmx
 * makes a new pty, so a master is this one only if it is our master's open file (kcmp), or, where
 * kcmp is refused, if its tty-index is ours (cautious: it may be another instance's). */
static int other_holder(long target, unsigned index, dev_t slave_dev, dev_t slave_rdev, int mfd, long *who, unsigned *unreadable)
{
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    struct dirent *pe;
    long self = (long)getpid();
    *unreadable = 0;
    while ((pe = readdir(proc)) != NULL) {
        uint32_t pid;
        if (parse_uint(pe->d_name, 0x3fffffffu, &pid) || (long)pid == target || (long)pid == self) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%u/fd", pid);
        DIR *d = opendir(path);
        if (!d) { if (errno == EACCES || errno == EPERM) (*unreadable)++; continue; }
        struct dirent *de;
        long seen = 0;
        while ((de = readdir(d)) != NULL && seen++ < MAX_PROC_FDS) {
            uint32_t n;
            struct stat st;
            char lnk[96];
            if (parse_uint(de->d_name, 0x7fffffffu, &n)) continue;
            snprintf(lnk, sizeof lnk, "%s/%u", path, n);
            if (stat(lnk, &st) != 0 || !S_ISCHR(st.st_mode)) continue;
            int hit = st.st_rdev == slave_rdev && st.st_dev == slave_dev;
            if (!hit && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2) {
#ifdef SYS_kcmp
                long same = syscall(SYS_kcmp, (pid_t)self, (pid_t)pid, 0 /* KCMP_FILE */, (unsigned long)mfd, (unsigned long)n);
                if (same >= 0) {
                    if (same == 0) { closedir(d); closedir(proc); *who = pid; return 1; }
                    continue;
                }
#endif
                char fi[96], buf[1024];
                snprintf(fi, sizeof fi, "/proc/%u/fdinfo/%u", pid, n);
                int f = open(fi, O_RDONLY | O_CLOEXEC);
                if (f >= 0) {
                    ssize_t k = read(f, buf, sizeof buf - 1);
                    close(f);
                    if (k > 0) {
                        buf[k] = 0;
                        char *ti = strstr(buf, "tty-index:");
                        hit = ti && strtoul(ti + 10, NULL, 10) == index;
                    }
                }
            }
            if (hit) { closedir(d); closedir(proc); *who = pid; return 1; }
        }
        closedir(d);
    }
    closedir(proc);
    return 0;
}

static int settle_count(int fd, int want, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int q = -1;
    for (;;) {
        if (ioctl(fd, FIONREAD, &q) != 0) return -1;
        if (q == want || now_ms() > deadline) return q;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

/* Reads both queues of a stopped target's pair and puts them back with the restore's own injection.
 * Returns 0 (dr filled, counts verified), -1 refused before anything was read, -2 failed after. */
static int drain_pair(long pid, int mfd, int sfd, unsigned index, struct drained *dr)
{
    struct ktermios orig;
    struct stat sst;
    memset(dr, 0, sizeof *dr);
    if (tcgets(sfd, &orig) != 0) { seterr("the slave of /dev/pts/%u is hung up (or unreadable): nothing to drain", index); return -1; }
    if (fstat(sfd, &sst) != 0) { seterr("fstat: %s", strerror(errno)); return -1; }
    long who = 0;
    unsigned unreadable = 0;
    if (other_holder(pid, index, sst.st_dev, sst.st_rdev, mfd, &who, &unreadable)) {
        struct proc_stat ops;
        read_proc_stat(who, &ops);
        seterr("pid %ld (%.32s) also holds /dev/pts/%u and could read or write its queues while they are out: "
               "--drain refuses (stop it too, or capture without --drain)", who, ops.ok ? ops.comm : "?", index);
        return -1;
    }
    int packet = 0;
    ioctl(mfd, TIOCGPKT, &packet);
    if (packet) {
        struct pollfd pf = {.fd = mfd, .events = POLLPRI};
        if (poll(&pf, 1, 0) > 0 && (pf.revents & POLLPRI)) {
            seterr("/dev/pts/%u: a packet-mode status byte is pending for the master; reading it would lose it: --drain refuses", index);
            return -1;
        }
    }
    if (ioctl(sfd, FIONREAD, &dr->in_before) || ioctl(mfd, FIONREAD, &dr->out_before)) { seterr("FIONREAD: %s", strerror(errno)); return -1; }
    int mfl = fcntl(mfd, F_GETFL), sfl = fcntl(sfd, F_GETFL);
    if (mfl < 0 || sfl < 0) { seterr("F_GETFL: %s", strerror(errno)); return -1; }
    /* from here on the queues are out: every failure is reported as such (-2) */
    int rc = -2, zero = 0, one = 1;
    fcntl(mfd, F_SETFL, mfl | O_NONBLOCK);
    fcntl(sfd, F_SETFL, sfl | O_NONBLOCK);
    if (packet) ioctl(mfd, TIOCPKT, &zero);
    /* output: what the master's reader would get */
    uint8_t buf[8192];
    for (;;) {
        if (wait_fd(mfd, POLLIN, 20) <= 0) break;
        ssize_t r = read(mfd, buf, sizeof buf);
        if (r <= 0) break;
        if (dr->out_len + (size_t)r > sizeof dr->out) { seterr("more than %zu bytes of output pending", sizeof dr->out); goto back; }
        memcpy(dr->out + dr->out_len, buf, (size_t)r);
        dr->out_len += (size_t)r;
    }
    /* input: complete lines one read each (the kernel gives the boundaries), then the tail */
    size_t lines_bytes = 0;
    if (orig.c_lflag & K_ICANON) {
        while (wait_fd(sfd, POLLIN, 0) > 0) {
            ssize_t r = read(sfd, buf, sizeof buf);
            if (r <= 0) break;
            if (dr->in_len + (size_t)r + 1 > MAX_QUEUE) { seterr("more than %u bytes of input pending", MAX_QUEUE); goto back; }
            memcpy(dr->in + dr->in_len, buf, (size_t)r);
            dr->in_len += (size_t)r;
            lines_bytes += (size_t)r;
            uint8_t last = buf[r - 1];
            int term = last == '\n' || (orig.c_cc[K_VEOL] && last == orig.c_cc[K_VEOL]) ||
                       ((orig.c_lflag & K_IEXTEN) && orig.c_cc[16] && last == orig.c_cc[16]);
            if (term) dr->in_end[dr->in_len - 1] = 1;
            else { dr->in[dr->in_len] = 0; dr->in_end[dr->in_len] = 1; dr->in_len++; }
        }
        struct ktermios raw = orig;
        raw.c_lflag &= ~K_ICANON;
        raw.c_cc[K_VMIN] = 0;
        raw.c_cc[K_VTIME] = 0;
        if (tcsets(sfd, &raw) != 0) { seterr("TCSETS (reading the partial line): %s", strerror(errno)); goto back; }
    }
    for (;;) {
        ssize_t r = read(sfd, buf, sizeof buf);
        if (r <= 0) break;
        if (dr->in_len + (size_t)r > MAX_QUEUE) { seterr("more than %u bytes of input pending", MAX_QUEUE); goto back; }
        memcpy(dr->in + dr->in_len, buf, (size_t)r);
        dr->in_len += (size_t)r;
        if (!(orig.c_lflag & K_ICANON)) lines_bytes += (size_t)r;
    }
    rc = 0;
back:
    {
        /* put everything back: input through the restore's injection, output written to the slave */
        struct pair p;
        memset(&p, 0, sizeof p);
        p.master = mfd;
        p.slave = sfd;
        p.canonical = (orig.c_lflag & K_ICANON) != 0;
        p.in = dr->in;
        p.in_len = dr->in_len;
        memcpy(p.in_end, dr->in_end, sizeof p.in_end);
        char saved[sizeof g_err];
        memcpy(saved, g_err, sizeof saved);
        int ok = 1;
        if (p.in_len && inject_input(&p, &orig) != 0) ok = 0;
        struct ktermios t = orig;
        t.c_oflag &= ~K_OPOST;
        t.c_lflag &= ~K_ECHO;
        if (ok && dr->out_len && (tcsets(sfd, &t) != 0 || write_all_nb(sfd, dr->out, dr->out_len, 5000) != 0)) {
            seterr("writing the output back: %s", strerror(errno));
            ok = 0;
        }
        if (tcsets(sfd, &orig) != 0 && ok) { seterr("TCSETS (the original termios): %s", strerror(errno)); ok = 0; }
        if (packet) ioctl(mfd, TIOCPKT, &one);
        fcntl(mfd, F_SETFL, mfl);
        fcntl(sfd, F_SETFL, sfl);
        if (!ok) {
            char again[sizeof g_err];
            memcpy(again, g_err, sizeof again);
            seterr("/dev/pts/%u: the queues could not be put back (%.300s): %zu input and %zu output bytes are lost from the live terminal",
                   index, again, dr->in_len, dr->out_len);
            return -2;
        }
        if (rc != 0) {
            memcpy(g_err, saved, sizeof saved);
            return -2;
        }
    }
    dr->in_after = settle_count(sfd, dr->in_before, 2000);
    dr->out_after = settle_count(mfd, dr->out_before, 2000);
    if (lines_bytes != (size_t)dr->in_before || dr->out_len != (size_t)dr->out_before) {
        seterr("/dev/pts/%u: the queues held %zu input and %zu output bytes where the kernel had counted %d and %d "
               "(something else used the terminal meanwhile); they were put back as read",
               index, lines_bytes, dr->out_len, dr->in_before, dr->out_before);
        return -2;
    }
    if (dr->in_after != dr->in_before || dr->out_after != dr->out_before) {
        seterr("/dev/pts/%u: after putting the queues back the kernel counts input %d (was %d) and output %d (was %d) bytes",
               index, dr->in_after, dr->in_before, dr->out_after, dr->out_before);
        return -2;
    }
    dr->done = 1;
    return 0;
}

static int capture(long pid, int only_fd, int drain)
{
    int rc = 3;
    struct capfd *fds = calloc(MAX_CAPTURE_FDS, sizeof *fds);
    struct cappair pairs[MAX_PAIRS];
    unsigned nfds = 0, npairs = 0;
    char *body = NULL;
    size_t bodylen = 0;
    FILE *mf = NULL;
    int pidfd = -1;
    struct drained *drs = NULL;
    if (!fds) { seterr("out of memory"); return 3; }
    pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) {
        int e = errno;
        if (e == ENOSYS) {
            struct utsname u;
            uname(&u);
            seterr("pidfd_open: not in this kernel (%.64s): capture needs Linux 5.6 or later", u.release);
        } else if (e == ESRCH) seterr("no process %ld", pid);
        else seterr("pidfd_open(%ld): %s", pid, strerror(e));
        goto out;
    }
    fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    struct proc_stat ps;
    read_proc_stat(pid, &ps);
    /* the target's fd numbers: /proc/PID/fd (needs the same ptrace access) */
    int cand[MAX_CAPTURE_FDS];
    unsigned ncand = 0;
    if (only_fd >= 0) {
        cand[ncand++] = only_fd;
    } else {
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/fd", pid);
        DIR *d = opendir(path);
        if (!d) {
            if (errno == EACCES || errno == EPERM)
                seterr("no permission to list the fds of pid %ld (%s)", pid, ptrace_scope_text());
            else if (errno == ENOENT) seterr("no process %ld", pid);
            else seterr("listing %s: %s", path, strerror(errno));
            goto out;
        }
        struct dirent *de;
        long seen = 0;
        while ((de = readdir(d)) != NULL && seen++ < MAX_PROC_FDS) {
            char lnk[96];
            uint32_t n;
            struct stat st;
            if (de->d_name[0] == '.' || parse_uint(de->d_name, 0x7fffffffu, &n)) continue;
            snprintf(lnk, sizeof lnk, "%s/%u", path, n);
            /* stat through the magic link: only pty devices are worth taking */
            if (stat(lnk, &st) != 0 || !S_ISCHR(st.st_mode)) continue;
            if (!(major(st.st_rdev) == 5 && minor(st.st_rdev) == 2) &&
                !(major(st.st_rdev) >= K_UNIX98_SLAVE_MAJOR && major(st.st_rdev) < K_UNIX98_SLAVE_MAJOR + K_UNIX98_SLAVE_MAJORS))
                continue;
            if (ncand == MAX_CAPTURE_FDS) {
                closedir(d);
                seterr("pid %ld holds more than %u pty fds; name one with --fd N", pid, MAX_CAPTURE_FDS);
                goto out;
            }
            cand[ncand++] = (int)n;
        }
        closedir(d);
    }
    for (unsigned i = 0; i < ncand; i++) {
        int fd = take_fd(pidfd, pid, cand[i]);
        if (fd < 0) {
            if (errno == EBADF && only_fd < 0) continue; /* closed meanwhile */
            goto out;
        }
        struct capfd c = {.target_fd = cand[i], .fd = fd};
        const char *what = "not a pty";
        int k = classify_fd(fd, &c, &what);
        if (k <= 0) {
            close(fd);
            if (only_fd >= 0) { seterr("fd %d of pid %ld is %s, not a pseudo-terminal", only_fd, pid, what); goto out; }
            continue;
        }
        if (read_fdinfo(pid, cand[i], &c.flags, &c.pos)) { c.flags = 0; c.pos = 0; }
        fds[nfds++] = c;
    }
    if (nfds == 0) { seterr("pid %ld holds no pseudo-terminal fd", pid); goto out; }
    /* fds on one open file (0, 1 and 2 of a shell): the checkpoint has one FILE object for them.  Our
     * duplicates share the target's open files, so kcmp on our own fds tells. */
    for (unsigned i = 0; i < nfds; i++) {
        fds[i].file = fds[i].target_fd;
#ifdef SYS_kcmp
        for (unsigned j = 0; j < i; j++)
            if (fds[j].master == fds[i].master && fds[j].index == fds[i].index &&
                syscall(SYS_kcmp, (pid_t)getpid(), (pid_t)getpid(), 0 /* KCMP_FILE */, fds[j].fd, fds[i].fd) == 0) {
                fds[i].file = fds[j].file;
                break;
            }
#endif
    }
    /* pairs by index, in the order of their first fd */
    for (unsigned i = 0; i < nfds; i++) {
        unsigned j = 0;
        while (j < npairs && pairs[j].index != fds[i].index) j++;
        if (j == npairs) {
            if (npairs == MAX_PAIRS) { seterr("pid %ld holds more than %u ptys; name one with --fd N", pid, MAX_PAIRS); goto out; }
            pairs[npairs++] = (struct cappair){.index = fds[i].index, .m = -1, .s = -1};
        }
        int *side = fds[i].master ? &pairs[j].m : &pairs[j].s;
        if (*side < 0) *side = (int)i; /* a second open of the same side: listed under fds */
    }
    if (drain) {
        for (unsigned i = 0; i < npairs; i++)
            if (pairs[i].m < 0 || pairs[i].s < 0) {
                seterr("--drain needs both sides of /dev/pts/%u, and pid %ld holds only its %s", pairs[i].index, pid,
                       pairs[i].m < 0 ? "slave" : "master");
                goto out;
            }
        drs = calloc(npairs, sizeof *drs);
        if (!drs) { seterr("out of memory"); goto out; }
        char st0 = proc_state(pid);
        int we_stopped = 0;
        if (st0 != 'T' && st0 != 't') {
            if (kill((pid_t)pid, SIGSTOP) != 0) { seterr("SIGSTOP to pid %ld: %s", pid, strerror(errno)); goto out; }
            we_stopped = 1;
            long long deadline = now_ms() + 5000;
            char st;
            while ((st = proc_state(pid)) != 'T' && st != 't') {
                if (now_ms() > deadline || st == 0) {
                    kill((pid_t)pid, SIGCONT);
                    seterr("pid %ld did not stop within 5 s (state %c): --drain refuses", pid, st ? st : '?');
                    goto out;
                }
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
            }
        }
        int drc = 0;
        for (unsigned i = 0; i < npairs && drc == 0; i++)
            drc = drain_pair(pid, fds[pairs[i].m].fd, fds[pairs[i].s].fd, pairs[i].index, &drs[i]);
        if (we_stopped) kill((pid_t)pid, SIGCONT);
        if (drc == -1) {
            char why[sizeof g_err];
            memcpy(why, g_err, sizeof why);
            seterr("--drain refused, nothing was read: %.900s", why);
            goto out;
        }
        if (drc != 0) goto out;
    }
    mf = open_memstream(&body, &bodylen);
    if (!mf) { seterr("out of memory"); goto out; }
    struct utsname u;
    uname(&u);
    fputs("{\"format\":", mf);
    json_str(mf, CAPTURE_FORMAT);
    fputs(",\"helper\":", mf);
    json_str(mf, HELPER_VERSION);
    fputs(",\"kernel\":{\"sysname\":", mf);
    json_str(mf, u.sysname);
    fputs(",\"release\":", mf);
    json_str(mf, u.release);
    fputs(",\"version\":", mf);
    json_str(mf, u.version);
    fputs(",\"machine\":", mf);
    json_str(mf, u.machine);
    fprintf(mf, "},\"time\":%lld,\"drained\":%s,\"target\":{\"pid\":%ld,\"comm\":", (long long)time(NULL), drain ? "true" : "false", pid);
    json_str(mf, ps.ok ? ps.comm : "");
    fputs(",\"ppid\":", mf);
    json_int_or_null(mf, ps.ok, ps.ppid);
    fputs(",\"pgrp\":", mf);
    json_int_or_null(mf, ps.ok, ps.pgrp);
    fputs(",\"session\":", mf);
    json_int_or_null(mf, ps.ok, ps.session);
    fputs(",\"tty_nr\":", mf);
    json_int_or_null(mf, ps.ok, ps.tty_nr);
    fputs(",\"tpgid\":", mf);
    json_int_or_null(mf, ps.ok, ps.tpgid);
    fputs("},\"fds\":[", mf);
    for (unsigned i = 0; i < nfds; i++)
        fprintf(mf, "%s{\"fd\":%d,\"role\":\"%s\",\"index\":%u,\"flags\":%lu,\"pos\":%lld,\"file\":%d}", i ? "," : "",
                fds[i].target_fd, fds[i].master ? "master" : "slave", fds[i].index, fds[i].flags, fds[i].pos, fds[i].file);
    fputs("],\"pairs\":[", mf);
    for (unsigned i = 0; i < npairs; i++) {
        if (i) fputc(',', mf);
        print_capture_pair(mf, &pairs[i], fds, &ps, drs ? &drs[i] : NULL);
    }
    fputs("]}\n", mf);
    if (fclose(mf) != 0) { mf = NULL; seterr("out of memory"); goto out; }
    mf = NULL;
    rc = emit_framed(stdout, body, bodylen) ? 3 : 0;
    if (rc) seterr("writing the capture: %s", strerror(errno));
out:
    if (mf) fclose(mf);
    free(body);
    for (unsigned i = 0; i < nfds; i++) close(fds[i].fd);
    free(fds);
    free(drs);
    if (pidfd >= 0) close(pidfd);
    return rc;
}

/* list: the processes whose fds this user can see that hold pty fds, with the ptys (what a
 * capture can be pointed at).  Framed JSON ckpt-pty-list/1. */
#define LIST_FORMAT "ckpt-pty-list/1"
#define MAX_LIST_PROCS 4096u
#define MAX_LIST_FDS 16u

static int list_ptys(void)
{
    DIR *proc = opendir("/proc");
    if (!proc) { seterr("opendir /proc: %s", strerror(errno)); return 3; }
    char *body = NULL;
    size_t bodylen = 0;
    FILE *mf = open_memstream(&body, &bodylen);
    if (!mf) { closedir(proc); seterr("out of memory"); return 3; }
    fputs("{\"format\":", mf);
    json_str(mf, LIST_FORMAT);
    fputs(",\"processes\":[", mf);
    unsigned listed = 0, unreadable = 0, more = 0;
    long self = (long)getpid();
    struct dirent *pe;
    while ((pe = readdir(proc)) != NULL) {
        uint32_t pid;
        if (parse_uint(pe->d_name, 0x3fffffffu, &pid) || (long)pid == self) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%u/fd", pid);
        DIR *d = opendir(path);
        if (!d) { if (errno == EACCES || errno == EPERM) unreadable++; continue; }
        int fdn[MAX_LIST_FDS], master[MAX_LIST_FDS];
        unsigned idx[MAX_LIST_FDS], n = 0, extra = 0;
        struct dirent *de;
        long seen = 0;
        while ((de = readdir(d)) != NULL && seen++ < MAX_PROC_FDS) {
            uint32_t fd;
            struct stat st;
            char lnk[96];
            if (parse_uint(de->d_name, 0x7fffffffu, &fd)) continue;
            snprintf(lnk, sizeof lnk, "%s/%u", path, fd);
            if (stat(lnk, &st) != 0 || !S_ISCHR(st.st_mode)) continue;
            unsigned maj = major(st.st_rdev), mnr = minor(st.st_rdev), index;
            int is_master;
            if (maj == 5 && mnr == 2) {
                char fi[96], buf[1024];
                snprintf(fi, sizeof fi, "/proc/%u/fdinfo/%u", pid, fd);
                int f = open(fi, O_RDONLY | O_CLOEXEC);
                if (f < 0) continue;
                ssize_t k = read(f, buf, sizeof buf - 1);
                close(f);
                if (k <= 0) continue;
                buf[k] = 0;
                char *ti = strstr(buf, "tty-index:");
                if (!ti) continue;
                index = (unsigned)strtoul(ti + 10, NULL, 10);
                is_master = 1;
            } else if (maj >= K_UNIX98_SLAVE_MAJOR && maj < K_UNIX98_SLAVE_MAJOR + K_UNIX98_SLAVE_MAJORS) {
                index = (maj - K_UNIX98_SLAVE_MAJOR) * 256u + mnr;
                is_master = 0;
            } else continue;
            if (n == MAX_LIST_FDS) { extra++; continue; }
            fdn[n] = (int)fd;
            master[n] = is_master;
            idx[n++] = index;
        }
        closedir(d);
        if (n == 0) continue;
        if (listed == MAX_LIST_PROCS) { more++; continue; }
        struct proc_stat ps;
        read_proc_stat(pid, &ps);
        fprintf(mf, "%s{\"pid\":%u,\"comm\":", listed ? "," : "", pid);
        json_str(mf, ps.ok ? ps.comm : "");
        fputs(",\"fds\":[", mf);
        for (unsigned i = 0; i < n; i++)
            fprintf(mf, "%s{\"fd\":%d,\"role\":\"%s\",\"index\":%u}", i ? "," : "", fdn[i], master[i] ? "master" : "slave", idx[i]);
        fprintf(mf, "],\"more_fds\":%u}", extra);
        listed++;
    }
    closedir(proc);
    fprintf(mf, "],\"more_processes\":%u,\"unreadable_processes\":%u}\n", more, unreadable);
    if (fclose(mf) != 0) { free(body); seterr("out of memory"); return 3; }
    int rc = emit_framed(stdout, body, bodylen) ? 3 : 0;
    if (rc) seterr("writing the list: %s", strerror(errno));
    free(body);
    return rc;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
    fprintf(stderr,
            "usage: %s probe [--devpts shared|private] [--index N]\n"
            "       (check and restore read the plan from stdin, or from --plan FILE)\n"
            "       %s check < PLAN\n"
            "       %s restore --verify [--devpts shared|private] [--index exact|any] [--strict] < PLAN\n"
            "       %s restore --attach [--pair N] [--command CMD] [--devpts shared|private] [--index exact|any] < PLAN\n"
            "       %s restore --exec CMD [--devpts shared|private] [--index exact|any] < PLAN\n"
            "       %s capture --pid PID [--fd N] [--drain]\n"
            "       %s list\n"
            "       %s --version\n",
            g_prog, g_prog, g_prog, g_prog, g_prog, g_prog, g_prog, g_prog);
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    o.probe_index = -1;
    signal(SIGPIPE, SIG_IGN);
    (void)g_dummy;
    if (argc < 2) { usage(); return 2; }
    const char *mode = argv[1];
    if (strcmp(mode, "--version") == 0) { printf("ckpt-pty-helper %s (plan version %u)\n", HELPER_VERSION, PLAN_VERSION); return 0; }
    if (strcmp(mode, "list") == 0) {
        if (argc != 2) { usage(); return 2; }
        int lrc = list_ptys();
        if (lrc) fprintf(stderr, "%s: list failed: %s\n", g_prog, g_err);
        return lrc;
    }
    if (strcmp(mode, "capture") == 0) {
        uint32_t pid = 0, cfd = 0;
        int have_pid = 0, have_fd = 0, cdrain = 0;
        for (int i = 2; i < argc; i++) {
            const char *v = i + 1 < argc ? argv[i + 1] : NULL;
            if (strcmp(argv[i], "--pid") == 0 && v && parse_uint(v, 0x3fffffffu, &pid) == 0 && pid > 0) { have_pid = 1; i++; }
            else if (strcmp(argv[i], "--fd") == 0 && v && parse_uint(v, 0x7fffffffu, &cfd) == 0) { have_fd = 1; i++; }
            else if (strcmp(argv[i], "--drain") == 0) cdrain = 1;
            else { fprintf(stderr, "%s: bad argument '%.64s'\n", g_prog, argv[i]); usage(); return 2; }
        }
        if (!have_pid) { fprintf(stderr, "%s: capture needs --pid PID\n", g_prog); return 2; }
        int crc = capture((long)pid, have_fd ? (int)cfd : -1, cdrain);
        if (crc) fprintf(stderr, "%s: capture failed: %s\n", g_prog, g_err);
        return crc;
    }
    if (strcmp(mode, "probe") && strcmp(mode, "restore") && strcmp(mode, "check")) { usage(); return 2; }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint32_t n;
        if (strcmp(a, "--verify") == 0) o.verify = 1;
        else if (strcmp(a, "--attach") == 0) o.attach = 1;
        else if (strcmp(a, "--devpts") == 0 && v && (!strcmp(v, "shared") || !strcmp(v, "private"))) { o.private_devpts = v[0] == 'p'; i++; }
        else if (strcmp(a, "--index") == 0 && v && strcmp(mode, "restore") == 0 && (!strcmp(v, "exact") || !strcmp(v, "any"))) { o.index_any = v[0] == 'a'; i++; }
        else if (strcmp(a, "--index") == 0 && v && strcmp(mode, "probe") == 0 && parse_uint(v, MAX_INDEX, &n) == 0) { o.probe_index = n; i++; }
        else if (strcmp(a, "--pair") == 0 && v && parse_uint(v, MAX_INDEX, &n) == 0) { o.have_pair = 1; o.pair_index = n; i++; }
        else if (strcmp(a, "--command") == 0 && v) { o.command = v; i++; }
        else if (strcmp(a, "--exec") == 0 && v) { o.exec_cmd = v; i++; }
        else if (strcmp(a, "--plan") == 0 && v) { o.plan_path = v; i++; }
        else if (strcmp(a, "--strict") == 0 && strcmp(mode, "restore") == 0) o.strict = 1;
        else { fprintf(stderr, "%s: bad argument '%s'\n", g_prog, a); usage(); return 2; }
    }
    if (strcmp(mode, "restore") == 0 && o.verify + o.attach + (o.exec_cmd != NULL) != 1) {
        fprintf(stderr, "%s: restore needs exactly one of --verify, --attach or --exec CMD\n", g_prog);
        return 2;
    }
    if (o.attach && !o.plan_path) {
        fprintf(stderr, "%s: --attach relays stdin, so the plan must come from --plan FILE\n", g_prog);
        return 2;
    }
    if (strcmp(mode, "probe") == 0) {
        if (o.private_devpts && setup_private_devpts()) { fprintf(stderr, "%s: %s\n", g_prog, g_err); return 3; }
        probe(&o);
        return 0;
    }
    struct plan pl;
    int pfd = 0;
    if (o.plan_path && (pfd = open(o.plan_path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "%s: cannot open the plan %s: %s\n", g_prog, o.plan_path, strerror(errno));
        return 2;
    }
    int prc = read_plan_fd(pfd, &pl);
    if (pfd > 0) close(pfd);
    if (prc) {
        fprintf(stderr, "%s: plan refused: %s\n", g_prog, g_err);
        return 2;
    }
    if (strcmp(mode, "check") == 0) {
        printf("{\"ok\":true,\"pairs\":%u}\n", pl.npairs);
        free_plan(&pl);
        return 0;
    }
    struct pair *att = NULL;
    if (o.attach) {
        for (unsigned i = 0; i < pl.npairs; i++) {
            struct pair *p = &pl.pairs[i];
            if (o.have_pair ? p->index == o.pair_index : !p->hungup) {
                if (att && !o.have_pair) {
                    fprintf(stderr, "%s: the plan has several pairs: choose one with --pair N\n", g_prog);
                    free_plan(&pl);
                    return 2;
                }
                att = p;
            }
        }
        if (!att || att->hungup) {
            fprintf(stderr, "%s: no %spair to attach to\n", g_prog, att ? "live (not hung-up) " : "");
            free_plan(&pl);
            return 2;
        }
    }
    if (o.private_devpts && setup_private_devpts()) {
        fprintf(stderr, "%s: %s\n", g_prog, g_err);
        free_plan(&pl);
        return 3;
    }
    for (unsigned i = 0; i < pl.npairs; i++) {
        if (restore_pair(&pl.pairs[i], &o)) {
            fprintf(stderr, "%s: restore of the pair on line %u (index %u) failed: %s\n", g_prog,
                    pl.pairs[i].line, pl.pairs[i].index, g_err);
            close_pairs(&pl);
            free_plan(&pl);
            return 3;
        }
    }
    int rc;
    if (o.exec_cmd) {
        rc = exec_with_fds(&pl, o.exec_cmd);
        if (rc < 0) { fprintf(stderr, "%s: %s\n", g_prog, g_err); close_pairs(&pl); rc = 3; }
    } else if (o.attach) {
        for (unsigned i = 0; i < pl.npairs; i++)
            if (pl.pairs[i].got_index != pl.pairs[i].index)
                fprintf(stderr, "%s: pair %u restored as index %u\n", g_prog, pl.pairs[i].index, pl.pairs[i].got_index);
        rc = attach(&pl, att, &o);
        if (rc < 0) { fprintf(stderr, "%s: %s\n", g_prog, g_err); rc = 3; }
    } else {
        int mism = 0;
        struct readback *rb = malloc(sizeof *rb);
        if (!rb) { close_pairs(&pl); free_plan(&pl); return 3; }
        /* read everything back before printing (ok depends on it) */
        char *body = NULL;
        size_t bodylen = 0;
        FILE *mf = open_memstream(&body, &bodylen);
        if (!mf) { free(rb); close_pairs(&pl); free_plan(&pl); return 3; }
        for (unsigned i = 0; i < pl.npairs; i++) {
            read_back(&pl.pairs[i], rb);
            if (i) fputc(',', mf);
            mism += print_pair_report(mf, &pl.pairs[i], rb, &o);
        }
        fclose(mf);
        char *rep = NULL;
        size_t replen = 0;
        FILE *rf = open_memstream(&rep, &replen);
        if (!rf) { free(body); free(rb); close_pairs(&pl); free_plan(&pl); return 3; }
        fputs("{\"ok\":", rf);
        json_bool(rf, mism == 0);
        fputs(",\"pairs\":[", rf);
        fwrite(body, 1, bodylen, rf);
        fputs("]}\n", rf);
        fclose(rf);
        if (emit_framed(stdout, rep, replen)) mism = -1;
        free(rep);
        free(body);
        free(rb);
        close_pairs(&pl);
        rc = mism < 0 ? 3 : mism ? 1 : 0;
    }
    free_plan(&pl);
    return rc;
}
