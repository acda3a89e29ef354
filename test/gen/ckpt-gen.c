/*
 * ckpt-gen: independent generator of Linux-CR v18 checkpoint test images.
 *
 * Every record layout below is a C struct transcribed from the format reference
 * (../shared/format/linux-cr-v18.md, itself transcribed from the v18 patches),
 * with __attribute__((aligned(8))) where the kernel has it.  All field offsets and
 * record sizes used by this program come from offsetof()/sizeof() on these structs;
 * the _Static_asserts pin them to the sizes and offsets the reference gives.
 *
 * Usage:
 *   ckpt-gen cases OUTDIR            many <name>.ckpt + <name>.json + index.json
 *   ckpt-gen bench-pairs OUT BYTES   ~BYTES valid image, 1000 pty pairs among large opaque records
 *   ckpt-gen bench-small OUT BYTES   ~BYTES valid image of ~1e6 small records
 *   ckpt-gen sample OUT              one pleasant sample image (+ OUT's .json)
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -o ckpt-gen test/gen/ckpt-gen.c   (libc only)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;

/* ------------------------------------------------------------------------------------------ */
/* Struct definitions (v18)                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define A8 __attribute__((aligned(8)))

struct ckpt_hdr {
	u32 type;
	u32 len;
} A8;

struct ckpt_const {
	u16 task_comm_len;
	u16 mm_saved_auxv_len;
	u16 signal_nsig;
	u16 uts_sysname_len;
	u16 uts_nodename_len;
	u16 uts_release_len;
	u16 uts_version_len;
	u16 uts_machine_len;
	u16 uts_domainname_len;
	u16 rlimit_nlimits;
	u16 n_tty_buf_size;
	u16 tty_termios_ncc;
} A8;

struct ckpt_hdr_header {
	struct ckpt_hdr h;
	u64 magic;
	u16 arch_id;
	u16 major;
	u16 minor;
	u16 patch;
	u16 rev;
	struct ckpt_const constants;
	u64 time;
	u64 uflags;
} A8;

struct ckpt_hdr_header_arch { /* x86 */
	struct ckpt_hdr h;
	u16 has_fxsr;
	u16 has_xsave;
	u16 xstate_size;
	u16 _pading;
} A8;

struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	u64 magic;
} A8;

struct ckpt_hdr_tree {
	struct ckpt_hdr h;
	s32 nr_tasks;
} A8;

struct ckpt_pids {
	s32 vpid;
	s32 vppid;
	s32 vtgid;
	s32 vpgid;
	s32 vsid;
} A8;

struct ckpt_hdr_objref {
	struct ckpt_hdr h;
	u32 objtype;
	s32 objref;
} A8;

struct ckpt_hdr_file_table {
	struct ckpt_hdr h;
	s32 fdt_nfds;
} A8;

struct ckpt_hdr_file_desc {
	struct ckpt_hdr h;
	s32 fd_objref;
	s32 fd_descriptor;
	u32 fd_close_on_exec;
} A8;

struct ckpt_hdr_file {
	struct ckpt_hdr h;
	u32 f_type;
	u32 f_mode;
	u32 f_flags;
	s32 f_credref;
	u64 f_pos;
	u64 f_version;
} A8;

struct ckpt_hdr_file_generic {
	struct ckpt_hdr_file common;
} A8;

struct ckpt_hdr_file_tty { /* no aligned attribute of its own (72/80) */
	struct ckpt_hdr_file common;
	s32 tty_objref;
};

#define CKPT_TTY_NCC 8
struct ckpt_hdr_tty {
	struct ckpt_hdr h;
	u16 driver_type;
	u16 driver_subtype;
	s32 link_objref;
	s32 file_objref;
	u32 _padding;
	u32 index;
	u32 ldisc;
	u64 flags;
	struct {
		u16 c_iflag;
		u16 c_oflag;
		u16 c_cflag;
		u16 c_lflag;
		u8 c_line;
		u8 c_cc[CKPT_TTY_NCC];
	} A8 termios;
	struct {
		u16 ws_row;
		u16 ws_col;
		u16 ws_xpixel;
		u16 ws_ypixel;
	} A8 winsize;
} A8;

#define CKPT_N_TTY_BUF_SIZE 4096
struct ckpt_hdr_ldisc_n_tty {
	struct ckpt_hdr h;
	u32 column;
	u32 datalen;
	u32 canon_column;
	u32 canon_datalen;
	u32 canon_data;
	u16 minimum_to_wake;
	u8 stopped;
	u8 hw_stopped;
	u8 flow_stopped;
	u8 packet;
	u8 ctrl_status;
	u8 lnext;
	u8 erasing;
	u8 raw;
	u8 real_raw;
	u8 icanon;
	u8 closing;
	u8 padding[3];
	u8 read_flags[CKPT_N_TTY_BUF_SIZE / 8];
} A8;

struct ckpt_rlimit {
	u64 rlim_cur;
	u64 rlim_max;
};

#define CKPT_RLIM_NLIMITS 16
struct ckpt_hdr_signal {
	struct ckpt_hdr h;
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];
	u64 it_real_value;
	u64 it_real_incr;
	u64 it_virt_value;
	u64 it_virt_incr;
	u64 it_prof_value;
	u64 it_prof_incr;
	s32 tty_objref;
	s32 tty_pgrp;
	s32 tty_old_pgrp;
} A8;

/* Sizes and offsets given by the reference. */
_Static_assert(sizeof(struct ckpt_hdr) == 8, "hdr");
_Static_assert(sizeof(struct ckpt_const) == 24, "const");
_Static_assert(sizeof(struct ckpt_hdr_header) == 72, "header");
_Static_assert(offsetof(struct ckpt_hdr_header, magic) == 8, "header.magic");
_Static_assert(offsetof(struct ckpt_hdr_header, arch_id) == 16, "header.arch_id");
_Static_assert(offsetof(struct ckpt_hdr_header, rev) == 24, "header.rev");
_Static_assert(offsetof(struct ckpt_hdr_header, constants) == 32, "header.constants");
_Static_assert(offsetof(struct ckpt_hdr_header, time) == 56, "header.time");
_Static_assert(offsetof(struct ckpt_hdr_header, uflags) == 64, "header.uflags");
_Static_assert(offsetof(struct ckpt_const, n_tty_buf_size) == 20, "const.n_tty_buf_size");
_Static_assert(sizeof(struct ckpt_hdr_header_arch) == 16, "header_arch");
_Static_assert(sizeof(struct ckpt_hdr_tail) == 16, "tail");
_Static_assert(sizeof(struct ckpt_hdr_tree) == 16, "tree");
_Static_assert(sizeof(struct ckpt_pids) == 24, "pids");
_Static_assert(sizeof(struct ckpt_hdr_objref) == 16, "objref");
_Static_assert(sizeof(struct ckpt_hdr_file_table) == 16, "file_table");
_Static_assert(sizeof(struct ckpt_hdr_file_desc) == 24, "file_desc");
_Static_assert(sizeof(struct ckpt_hdr_file) == 40, "file");
_Static_assert(sizeof(struct ckpt_hdr_file_generic) == 40, "file_generic");
_Static_assert(sizeof(struct ckpt_hdr_file_tty) == 48, "file_tty");
_Static_assert(offsetof(struct ckpt_hdr_file_tty, tty_objref) == 40, "file_tty.tty_objref");
_Static_assert(offsetof(struct ckpt_hdr_file, f_pos) == 24, "file.f_pos");
_Static_assert(sizeof(struct ckpt_hdr_tty) == 72, "tty");
_Static_assert(offsetof(struct ckpt_hdr_tty, index) == 24, "tty.index");
_Static_assert(offsetof(struct ckpt_hdr_tty, flags) == 32, "tty.flags");
_Static_assert(offsetof(struct ckpt_hdr_tty, termios) == 40, "tty.termios");
_Static_assert(offsetof(struct ckpt_hdr_tty, termios.c_line) == 48, "tty.c_line");
_Static_assert(offsetof(struct ckpt_hdr_tty, termios.c_cc) == 49, "tty.c_cc");
_Static_assert(offsetof(struct ckpt_hdr_tty, winsize) == 64, "tty.winsize");
_Static_assert(sizeof(struct ckpt_hdr_ldisc_n_tty) == 560, "ldisc");
_Static_assert(offsetof(struct ckpt_hdr_ldisc_n_tty, datalen) == 12, "ldisc.datalen");
_Static_assert(offsetof(struct ckpt_hdr_ldisc_n_tty, canon_datalen) == 20, "ldisc.canon_datalen");
_Static_assert(offsetof(struct ckpt_hdr_ldisc_n_tty, minimum_to_wake) == 28, "ldisc.minimum_to_wake");
_Static_assert(offsetof(struct ckpt_hdr_ldisc_n_tty, closing) == 40, "ldisc.closing");
_Static_assert(offsetof(struct ckpt_hdr_ldisc_n_tty, read_flags) == 44, "ldisc.read_flags");
_Static_assert(sizeof(struct ckpt_hdr_signal) == 328, "signal");
_Static_assert(offsetof(struct ckpt_hdr_signal, it_real_value) == 264, "signal.it_real_value");
_Static_assert(offsetof(struct ckpt_hdr_signal, tty_objref) == 312, "signal.tty_objref");
_Static_assert(offsetof(struct ckpt_hdr_signal, tty_old_pgrp) == 320, "signal.tty_old_pgrp");

typedef struct ckpt_hdr_header T_HEADER;
typedef struct ckpt_hdr_header_arch T_HARCH;
typedef struct ckpt_hdr_tail T_TAIL;
typedef struct ckpt_hdr_tree T_TREE;
typedef struct ckpt_pids T_PIDS;
typedef struct ckpt_hdr_objref T_OBJREF;
typedef struct ckpt_hdr_file_table T_FT;
typedef struct ckpt_hdr_file_desc T_FD;
typedef struct ckpt_hdr_file T_FILE;
typedef struct ckpt_hdr_file_tty T_FTTY;
typedef struct ckpt_hdr_tty T_TTY;
typedef struct ckpt_hdr_ldisc_n_tty T_LDISC;
typedef struct ckpt_hdr_signal T_SIGNAL;

/* ------------------------------------------------------------------------------------------ */
/* Constants (v18)                                                                             */
/* ------------------------------------------------------------------------------------------ */

enum {
	HDR_HEADER = 1, HDR_HEADER_ARCH = 2, HDR_BUFFER = 3, HDR_STRING = 4, HDR_OBJREF = 5,
	HDR_TREE = 101, HDR_TASK = 102, HDR_TASK_NS = 103, HDR_TASK_OBJS = 104, HDR_RESTART_BLOCK = 105,
	HDR_THREAD = 106, HDR_CPU = 107, HDR_CRED = 113, HDR_TASK_CREDS = 116, HDR_CPU_FPU = 201,
	HDR_FILE_TABLE = 301, HDR_FILE_DESC = 302, HDR_FILE_NAME = 303, HDR_FILE = 304,
	HDR_TTY = 306, HDR_TTY_LDISC = 307, HDR_MM = 401, HDR_VMA = 402, HDR_PGARR = 403,
	HDR_SIGHAND = 601, HDR_SIGNAL = 602, HDR_SIGNAL_TASK = 603,
	HDR_TAIL = 9001, HDR_ERROR = 9999,
};
enum { OBJ_FILE_TABLE = 2, OBJ_FILE = 3, OBJ_MM = 4, OBJ_SIGHAND = 5, OBJ_CRED = 11, OBJ_TTY = 15, OBJ_MAX = 16 };
enum { FILE_GENERIC = 1, FILE_TTY = 5, FILE_MAX = 6 };
enum { ARCH_X86_32 = 1, ARCH_S390X = 2, ARCH_PPC32 = 3, ARCH_PPC64 = 4 };
#define MAGIC_HEAD 0x00feed0cc0a2d200ULL
#define MAGIC_TAIL 0x002d2a0cc0deef00ULL
#define TTY_DRIVER_TYPE_PTY 4
#define PTY_TYPE_MASTER 1
#define PTY_TYPE_SLAVE 2
#define BIT(n) (1ULL << (n))
#define TTY_EXCLUSIVE BIT(3)
#define TTY_CLOSING BIT(7)
#define TTY_LDISC BIT(9)
#define TTY_LDISC_CHANGING BIT(10)
#define TTY_LDISC_OPEN BIT(11)
#define TTY_PTY_LOCK BIT(16)
#define TTY_HUPPED BIT(18)
#define TTY_FLUSHING BIT(19)
#define FL_GOOD (TTY_LDISC | TTY_LDISC_OPEN) /* 0xa00 */
#define ICANON_FLAG 0x2

/* ------------------------------------------------------------------------------------------ */
/* Byte order and field access                                                                 */
/* ------------------------------------------------------------------------------------------ */

static int g_be;   /* current image is big-endian */
static int g_arch; /* current image's arch id */

static void put_n(u8 *p, size_t n, u64 v)
{
	for (size_t i = 0; i < n; i++)
		p[g_be ? n - 1 - i : i] = (u8)(v >> (8 * i));
}
static u64 get_n(const u8 *p, size_t n)
{
	u64 v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (u64)p[g_be ? n - 1 - i : i] << (8 * i);
	return v;
}
#define FSIZE(T, f) sizeof(((T *)0)->f)
#define FSET(r, T, f, v) put_n((r)->b + offsetof(T, f), FSIZE(T, f), (u64)(v))
#define FGET(r, T, f) get_n((r)->b + offsetof(T, f), FSIZE(T, f))
#define FSETS(r, T, f, v) FSET(r, T, f, (u32)(s32)(v))
#define FGETS(r, T, f) ((s32)(u32)FGET(r, T, f))

/* byte holding ring bit i in a native unsigned long bitmap (§3.2) */
static size_t rf_byte(int i)
{
	if (!g_be)
		return (size_t)(i / 8); /* x86_32 little-endian */
	if (g_arch == ARCH_PPC32)
		return (size_t)((i / 32) * 4 + 3 - (i % 32) / 8);
	return (size_t)((i / 64) * 8 + 7 - (i % 64) / 8); /* s390x, ppc64 */
}

/* ------------------------------------------------------------------------------------------ */
/* Records and images                                                                          */
/* ------------------------------------------------------------------------------------------ */

enum kind {
	K_HEADER = 1, K_UTS, K_HARCH, K_TREE, K_PIDS, K_TASK, K_COMM, K_OBJREF, K_FT, K_FILE, K_FNAME,
	K_FDESC, K_TTY, K_LDISC, K_BUF, K_SIGNAL, K_TAIL, K_OPAQUE, K_RAW, K_ERROR, K_STRING,
};

typedef struct Rec {
	u8 *b;
	size_t n;         /* bytes actually written (may differ from h.len in corrupt cases) */
	long off;         /* absolute offset, assigned when written */
	int kind;
	int del;          /* deleted from the image */
	struct Rec *obj;  /* the OBJREF record that introduces this object */
	struct Rec *ldisc;/* TTY: its LDISC record */
	struct Rec *buf;  /* LDISC: its data BUFFER */
} Rec;

typedef struct Diag {
	const char *code;
	Rec *r;
	size_t foff;
	const char *field;
} Diag;

typedef struct Img {
	Rec **v;
	int n, cap;
	int be, arch;
	FILE *stream; /* streaming mode (bench): records are written at once and not kept */
	long pos;
	int next_ref;
	int next_fd;
	long cut; /* bytes removed from the end of the file */
	int undecodable; /* unknown arch_id or rev: a v18 tool reports it and decodes nothing (ttys/files []) */
	/* pointers into the image (model mode) */
	Rec *hdr, *harch, *tree, *pids, *ft_obj, *ft, *tail, *m, *s, *sf, *mf, *mf_obj, *sf_obj, *sig;
	Rec *fds[16];
	int nfds_rec;
	Diag err[32];
	int nerr;
	Diag warn[8];
	int nwarn;
} Img;

static void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p) {
		perror("calloc");
		exit(2);
	}
	return p;
}

static Rec *rec_new(int kind, u32 type, size_t size)
{
	Rec *r = xcalloc(1, sizeof(*r));
	r->b = xcalloc(1, size);
	r->n = size;
	r->kind = kind;
	FSET(r, struct ckpt_hdr, type, type);
	FSET(r, struct ckpt_hdr, len, size);
	return r;
}
/* record with a raw payload: len = 8 + n */
static Rec *rec_payload(int kind, u32 type, const void *p, size_t n)
{
	Rec *r = rec_new(kind, type, sizeof(struct ckpt_hdr) + n);
	if (p && n)
		memcpy(r->b + sizeof(struct ckpt_hdr), p, n);
	return r;
}
/* grow a record by extra zero bytes and its len accordingly ("len != sizeof" corruptions) */
static void rec_grow(Rec *r, size_t extra)
{
	r->b = realloc(r->b, r->n + extra);
	if (!r->b) {
		perror("realloc");
		exit(2);
	}
	memset(r->b + r->n, 0, extra);
	r->n += extra;
	FSET(r, struct ckpt_hdr, len, r->n);
}
static void rec_free(Rec *r)
{
	free(r->b);
	free(r);
}

static void img_init(Img *im, int arch)
{
	memset(im, 0, sizeof(*im));
	im->arch = arch;
	im->be = arch >= ARCH_S390X && arch <= ARCH_PPC64;
	g_be = im->be;
	g_arch = arch;
	im->next_ref = 1;
}

static void out_write(Img *im, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, im->stream) != n) {
		perror("write");
		exit(2);
	}
}

/* append; in streaming mode the record is written and freed, NULL is returned */
static Rec *add(Img *im, Rec *r)
{
	if (im->stream) {
		r->off = im->pos;
		out_write(im, r->b, r->n);
		im->pos += (long)r->n;
		rec_free(r);
		return NULL;
	}
	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 64;
		im->v = realloc(im->v, sizeof(Rec *) * (size_t)im->cap);
		if (!im->v) {
			perror("realloc");
			exit(2);
		}
	}
	im->v[im->n++] = r;
	return r;
}
static int idx_of(Img *im, Rec *r)
{
	for (int i = 0; i < im->n; i++)
		if (im->v[i] == r)
			return i;
	fprintf(stderr, "internal: record not in image\n");
	exit(2);
}
static Rec *insert_at(Img *im, int at, Rec *r)
{
	add(im, r); /* grows */
	memmove(&im->v[at + 1], &im->v[at], sizeof(Rec *) * (size_t)(im->n - 1 - at));
	im->v[at] = r;
	return r;
}
static Rec *insert_before(Img *im, Rec *anchor, Rec *r) { return insert_at(im, idx_of(im, anchor), r); }

#define ERR(im, c, r, T, f) add_diag((im)->err, &(im)->nerr, c, r, offsetof(T, f), #f)
#define ERRF(im, c, r, T, f, name) add_diag((im)->err, &(im)->nerr, c, r, offsetof(T, f), name)
#define WARN(im, c, r, T, f) add_diag((im)->warn, &(im)->nwarn, c, r, offsetof(T, f), #f)
static void add_diag(Diag *d, int *n, const char *code, Rec *r, size_t foff, const char *field)
{
	d[*n].code = code;
	d[*n].r = r;
	d[*n].foff = foff;
	d[*n].field = field;
	(*n)++;
}

/* ------------------------------------------------------------------------------------------ */
/* Record builders                                                                             */
/* ------------------------------------------------------------------------------------------ */

static Rec *mk_objref(u32 objtype, s32 ref)
{
	Rec *r = rec_new(K_OBJREF, HDR_OBJREF, sizeof(T_OBJREF));
	FSET(r, T_OBJREF, objtype, objtype);
	FSETS(r, T_OBJREF, objref, ref);
	return r;
}

static Rec *mk_opaque(u32 type, size_t payload, u32 seed)
{
	Rec *r = rec_payload(K_OPAQUE, type, NULL, payload);
	u32 x = seed * 2654435761u + 1;
	for (size_t i = 0; i < payload; i++) {
		x = x * 1103515245u + 12345u;
		r->b[sizeof(struct ckpt_hdr) + i] = (u8)(x >> 16);
	}
	return r;
}

static void emit_head(Img *im, u64 uflags, int nr_tasks)
{
	Rec *r = rec_new(K_HEADER, HDR_HEADER, sizeof(T_HEADER));
	FSET(r, T_HEADER, magic, MAGIC_HEAD);
	/* arch_id is always little-endian (cpu_to_le16) */
	r->b[offsetof(T_HEADER, arch_id)] = (u8)im->arch;
	r->b[offsetof(T_HEADER, arch_id) + 1] = (u8)(im->arch >> 8);
	FSET(r, T_HEADER, major, 2);
	FSET(r, T_HEADER, minor, 6);
	FSET(r, T_HEADER, patch, 31);
	FSET(r, T_HEADER, rev, 2);
	FSET(r, T_HEADER, constants.task_comm_len, 16);
	FSET(r, T_HEADER, constants.mm_saved_auxv_len, im->arch == ARCH_X86_32 ? 152 : im->arch == ARCH_PPC32 ? 152 : 304);
	FSET(r, T_HEADER, constants.signal_nsig, 64);
	FSET(r, T_HEADER, constants.uts_sysname_len, 65);
	FSET(r, T_HEADER, constants.uts_nodename_len, 65);
	FSET(r, T_HEADER, constants.uts_release_len, 65);
	FSET(r, T_HEADER, constants.uts_version_len, 65);
	FSET(r, T_HEADER, constants.uts_machine_len, 65);
	FSET(r, T_HEADER, constants.uts_domainname_len, 65);
	FSET(r, T_HEADER, constants.rlimit_nlimits, 16);
	FSET(r, T_HEADER, constants.n_tty_buf_size, 4096);
	FSET(r, T_HEADER, constants.tty_termios_ncc, 8);
	FSET(r, T_HEADER, time, 0x4abab4a0);
	FSET(r, T_HEADER, uflags, uflags);
	im->hdr = add(im, r);

	const char *machine = im->arch == ARCH_X86_32 ? "i686" : im->arch == ARCH_S390X ? "s390x"
		: im->arch == ARCH_PPC32 ? "ppc" : "ppc64";
	const char *uts[3] = {"2.6.31-cr18", "#1 SMP Wed Sep 23 19:51:52 EDT 2009", machine};
	for (int i = 0; i < 3; i++) {
		char b[65] = {0};
		strncpy(b, uts[i], sizeof(b) - 1);
		add(im, rec_payload(K_UTS, HDR_BUFFER, b, sizeof(b)));
	}
	if (im->arch == ARCH_X86_32) {
		r = rec_new(K_HARCH, HDR_HEADER_ARCH, sizeof(T_HARCH));
		FSET(r, T_HARCH, has_fxsr, 1);
		FSET(r, T_HARCH, has_xsave, 0);
		FSET(r, T_HARCH, xstate_size, 512);
	} else {
		/* s390 (and, by assumption, ppc): bare ckpt_hdr */
		r = rec_new(K_HARCH, HDR_HEADER_ARCH, sizeof(struct ckpt_hdr));
	}
	im->harch = add(im, r);

	r = rec_new(K_TREE, HDR_TREE, sizeof(T_TREE));
	FSETS(r, T_TREE, nr_tasks, nr_tasks);
	im->tree = add(im, r);
	r = rec_payload(K_PIDS, HDR_BUFFER, NULL, sizeof(T_PIDS) * (size_t)nr_tasks);
	for (int t = 0; t < nr_tasks; t++) {
		/* fields of pids[t]: record offset = header + t * sizeof + offsetof */
		u8 *save = r->b;
		r->b = save + sizeof(struct ckpt_hdr) + sizeof(T_PIDS) * (size_t)t;
		FSETS(r, T_PIDS, vpid, 1 + t);
		FSETS(r, T_PIDS, vppid, t ? 1 : 0);
		FSETS(r, T_PIDS, vtgid, 1 + t);
		FSETS(r, T_PIDS, vpgid, 1);
		FSETS(r, T_PIDS, vsid, 1);
		r->b = save;
	}
	im->pids = add(im, r);
}

/* opaque task record (ckpt_hdr_task is arch-dependent: 64 on i386/ppc32, 72 on 64-bit) + comm */
static void emit_task(Img *im, const char *comm)
{
	size_t tlen = (im->arch == ARCH_X86_32 || im->arch == ARCH_PPC32) ? 64 : 72;
	add(im, rec_payload(K_TASK, HDR_TASK, NULL, tlen - sizeof(struct ckpt_hdr)));
	char c[16] = {0};
	strncpy(c, comm, sizeof(c) - 1);
	add(im, rec_payload(K_COMM, HDR_STRING, c, sizeof(c)));
}

static Rec *emit_ft(Img *im, int nfds)
{
	int ref = im->next_ref++;
	Rec *o = add(im, mk_objref(OBJ_FILE_TABLE, ref));
	Rec *r = rec_new(K_FT, HDR_FILE_TABLE, sizeof(T_FT));
	FSETS(r, T_FT, fdt_nfds, nfds);
	r->obj = o;
	r = add(im, r);
	if (!im->ft) {
		im->ft_obj = o;
		im->ft = r;
	}
	return r;
}

static Rec *emit_fdesc(Img *im, s32 fref, s32 fd)
{
	Rec *r = rec_new(K_FDESC, HDR_FILE_DESC, sizeof(T_FD));
	FSETS(r, T_FD, fd_objref, fref);
	FSETS(r, T_FD, fd_descriptor, fd);
	FSET(r, T_FD, fd_close_on_exec, 0);
	r = add(im, r);
	if (r && im->nfds_rec < 16)
		im->fds[im->nfds_rec++] = r;
	return r;
}

static Rec *emit_tail(Img *im)
{
	Rec *r = rec_new(K_TAIL, HDR_TAIL, sizeof(T_TAIL));
	FSET(r, T_TAIL, magic, MAGIC_TAIL);
	return im->tail = add(im, r);
}

/* ---- ttys ---- */

typedef struct TtyCfg {
	u32 index;
	u64 flags;
	u16 iflag, oflag, cflag, lflag;
	u8 c_line;
	u8 cc[8];
	u16 ws[4];
	/* ldisc */
	u32 column, canon_column;
	s32 canon_datalen; /* -1: computed (canonical) / 4096 (raw) */
	s32 canon_data;    /* -1: computed */
	u16 min_wake;
	u8 stopped, hw_stopped, flow_stopped, packet, ctrl_status, lnext, erasing, raw, real_raw, icanon, closing;
	const char *data;
	size_t datalen;
	int read_tail; /* checkpoint-time ring position of payload byte 0 */
	int rawbit;    /* -1, or a ring position to set in read_flags */
} TtyCfg;

static const u8 CC_DEF[8] = {3, 28, 127, 21, 4, 0, 1, 0};

static TtyCfg master_def(void)
{
	TtyCfg c;
	memset(&c, 0, sizeof(c));
	c.index = 7;
	c.flags = FL_GOOD;
	c.cflag = 0xbf;
	memcpy(c.cc, CC_DEF, 8);
	c.ws[0] = 24;
	c.ws[1] = 80;
	c.column = 2;
	c.canon_datalen = -1;
	c.canon_data = -1;
	c.min_wake = 1;
	c.raw = 1;
	c.data = "total 0\r\n$ ";
	c.datalen = 11;
	c.rawbit = -1;
	return c;
}
static TtyCfg slave_def(void)
{
	TtyCfg c;
	memset(&c, 0, sizeof(c));
	c.index = 7;
	c.flags = FL_GOOD;
	c.iflag = 0x4500; /* ICRNL|IXON|IUTF8 */
	c.oflag = 5;      /* OPOST|ONLCR */
	c.cflag = 0xbf;   /* B38400|CS8|CREAD */
	c.lflag = 0x8a3b; /* ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN */
	memcpy(c.cc, CC_DEF, 8);
	c.ws[0] = 24;
	c.ws[1] = 80;
	c.ws[2] = 640;
	c.ws[3] = 384;
	c.canon_datalen = -1;
	c.canon_data = -1;
	c.min_wake = 1;
	c.icanon = 1;
	c.data = "ls -l\nech";
	c.datalen = 9;
	c.rawbit = -1;
	return c;
}
static void make_raw(TtyCfg *c)
{
	c->lflag = 0;
	c->icanon = 0;
	c->raw = 1;
}

static Rec *mk_tty(const TtyCfg *c, int subtype, s32 link, s32 fileref)
{
	Rec *r = rec_new(K_TTY, HDR_TTY, sizeof(T_TTY));
	FSET(r, T_TTY, driver_type, TTY_DRIVER_TYPE_PTY);
	FSET(r, T_TTY, driver_subtype, subtype);
	FSETS(r, T_TTY, link_objref, link);
	FSETS(r, T_TTY, file_objref, fileref);
	FSET(r, T_TTY, index, c->index);
	FSET(r, T_TTY, ldisc, 0);
	FSET(r, T_TTY, flags, c->flags);
	FSET(r, T_TTY, termios.c_iflag, c->iflag);
	FSET(r, T_TTY, termios.c_oflag, c->oflag);
	FSET(r, T_TTY, termios.c_cflag, c->cflag);
	FSET(r, T_TTY, termios.c_lflag, c->lflag);
	FSET(r, T_TTY, termios.c_line, c->c_line);
	for (int i = 0; i < CKPT_TTY_NCC; i++)
		r->b[offsetof(T_TTY, termios.c_cc) + (size_t)i] = c->cc[i];
	FSET(r, T_TTY, winsize.ws_row, c->ws[0]);
	FSET(r, T_TTY, winsize.ws_col, c->ws[1]);
	FSET(r, T_TTY, winsize.ws_xpixel, c->ws[2]);
	FSET(r, T_TTY, winsize.ws_ypixel, c->ws[3]);
	return r;
}

static void ldisc_setbit(Rec *l, int ringpos)
{
	l->b[offsetof(T_LDISC, read_flags) + rf_byte(ringpos)] |= (u8)(1u << (ringpos % 8));
}

static Rec *mk_ldisc(const TtyCfg *c)
{
	Rec *r = rec_new(K_LDISC, HDR_TTY_LDISC, sizeof(T_LDISC));
	s32 cdl = c->canon_datalen, cd = c->canon_data;
	int lines = 0, last = -1;
	if (c->icanon) {
		for (size_t k = 0; k < c->datalen; k++)
			if (c->data[k] == '\n') {
				lines++;
				last = (int)k;
				ldisc_setbit(r, (int)((c->read_tail + (int)k) % CKPT_N_TTY_BUF_SIZE));
			}
	}
	if (cd < 0)
		cd = lines;
	if (cdl < 0)
		cdl = lines ? last + 1 : CKPT_N_TTY_BUF_SIZE;
	if (c->rawbit >= 0)
		ldisc_setbit(r, c->rawbit);
	FSET(r, T_LDISC, column, c->column);
	FSET(r, T_LDISC, datalen, c->datalen);
	FSET(r, T_LDISC, canon_column, c->canon_column);
	FSET(r, T_LDISC, canon_datalen, (u32)cdl);
	FSET(r, T_LDISC, canon_data, (u32)cd);
	FSET(r, T_LDISC, minimum_to_wake, c->min_wake);
	FSET(r, T_LDISC, stopped, c->stopped);
	FSET(r, T_LDISC, hw_stopped, c->hw_stopped);
	FSET(r, T_LDISC, flow_stopped, c->flow_stopped);
	FSET(r, T_LDISC, packet, c->packet);
	FSET(r, T_LDISC, ctrl_status, c->ctrl_status);
	FSET(r, T_LDISC, lnext, c->lnext);
	FSET(r, T_LDISC, erasing, c->erasing);
	FSET(r, T_LDISC, raw, c->raw);
	FSET(r, T_LDISC, real_raw, c->real_raw);
	FSET(r, T_LDISC, icanon, c->icanon);
	FSET(r, T_LDISC, closing, c->closing);
	return r;
}

/* OBJREF(TTY) + TTY + [LDISC + [BUFFER]] as the writer emits them (§10.5) */
static Rec *emit_tty(Img *im, const TtyCfg *c, int subtype, s32 ref, s32 link, s32 fileref)
{
	Rec *o = add(im, mk_objref(OBJ_TTY, ref));
	Rec *t = mk_tty(c, subtype, link, fileref);
	t->obj = o;
	t = add(im, t);
	if (!(c->flags & TTY_HUPPED)) {
		Rec *l = add(im, mk_ldisc(c));
		if (t)
			t->ldisc = l;
		if (c->datalen) {
			Rec *b = add(im, rec_payload(K_BUF, HDR_BUFFER, c->data, c->datalen));
			if (l)
				l->buf = b;
		}
	}
	return t;
}

typedef struct Pair {
	TtyCfg m, s;
	int done;       /* ttys already written */
	s32 M, S;       /* objrefs */
	Rec *mt, *st;
} Pair;

static void pair_ttys(Img *im, Pair *p)
{
	if (p->done)
		return;
	p->done = 1;
	p->M = im->next_ref++;
	s32 R = im->next_ref++; /* ckpt_obj_reserve() while checkpointing the master */
	p->mt = emit_tty(im, &p->m, PTY_TYPE_MASTER, p->M, 0, R);
	p->S = im->next_ref++;
	p->st = emit_tty(im, &p->s, PTY_TYPE_SLAVE, p->S, p->M, 0);
	if (!im->stream && !im->m) {
		im->m = p->mt;
		im->s = p->st;
	}
}

/* one file opened on the pair: OBJREF(FILE) [ttys] FILE(tty) FILE_DESC... ; side 0 slave, 1 master */
static Rec *emit_pty_file(Img *im, Pair *p, int side, int nfd, const int *fds)
{
	s32 F = im->next_ref++;
	Rec *o = add(im, mk_objref(OBJ_FILE, F));
	pair_ttys(im, p);
	Rec *f = rec_new(K_FILE, HDR_FILE, sizeof(T_FTTY));
	FSET(f, T_FTTY, common.f_type, FILE_TTY);
	FSET(f, T_FTTY, common.f_mode, 0x1f);
	FSET(f, T_FTTY, common.f_flags, 2); /* O_RDWR */
	FSETS(f, T_FTTY, common.f_credref, 0);
	FSETS(f, T_FTTY, tty_objref, side ? p->M : p->S);
	f->obj = o;
	f = add(im, f);
	if (!im->stream) {
		if (!side && !im->sf) {
			im->sf = f;
			im->sf_obj = o;
		}
		if (side && !im->mf) {
			im->mf = f;
			im->mf_obj = o;
		}
	}
	for (int i = 0; i < nfd; i++)
		emit_fdesc(im, F, fds[i]);
	return f;
}

static Rec *emit_generic_file(Img *im, const char *path, int fd, s32 credref)
{
	s32 F = im->next_ref++;
	Rec *o = add(im, mk_objref(OBJ_FILE, F));
	Rec *f = rec_new(K_FILE, HDR_FILE, sizeof(struct ckpt_hdr_file_generic));
	FSET(f, T_FILE, f_type, FILE_GENERIC);
	FSET(f, T_FILE, f_mode, 0x1d);
	FSET(f, T_FILE, f_flags, 0x401); /* O_WRONLY|O_APPEND */
	FSETS(f, T_FILE, f_credref, credref);
	FSET(f, T_FILE, f_pos, 1234);
	f->obj = o;
	f = add(im, f);
	add(im, rec_payload(K_FNAME, HDR_FILE_NAME, path, strlen(path) + 1));
	emit_fdesc(im, F, fd);
	return f;
}

static Rec *emit_signal(Img *im, s32 tty_ref, s32 pgrp, s32 old_pgrp)
{
	Rec *r = rec_new(K_SIGNAL, HDR_SIGNAL, sizeof(T_SIGNAL));
	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		size_t o = offsetof(T_SIGNAL, rlim) + sizeof(struct ckpt_rlimit) * (size_t)i;
		put_n(r->b + o + offsetof(struct ckpt_rlimit, rlim_cur), FSIZE(struct ckpt_rlimit, rlim_cur), ~0ULL);
		put_n(r->b + o + offsetof(struct ckpt_rlimit, rlim_max), FSIZE(struct ckpt_rlimit, rlim_max), ~0ULL);
	}
	FSETS(r, T_SIGNAL, tty_objref, tty_ref);
	FSETS(r, T_SIGNAL, tty_pgrp, pgrp);
	FSETS(r, T_SIGNAL, tty_old_pgrp, old_pgrp);
	r = add(im, r);
	if (!im->sig)
		im->sig = r;
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Output: image + JSON                                                                        */
/* ------------------------------------------------------------------------------------------ */

static char g_outdir[4096];
static char **g_names;
static int g_nnames, g_capnames;

static void layout(Img *im, long *size)
{
	long pos = 0;
	for (int i = 0; i < im->n; i++) {
		if (im->v[i]->del)
			continue;
		im->v[i]->off = pos;
		pos += (long)im->v[i]->n;
	}
	*size = pos - im->cut;
}

static int live(Rec *r) { return r && !r->del; }

static void json_diags(FILE *j, Diag *d, int n)
{
	fputc('[', j);
	for (int i = 0; i < n; i++)
		fprintf(j, "%s{\"code\":\"%s\",\"offset\":%ld,\"field\":\"%s\"}", i ? "," : "", d[i].code,
			d[i].r->off + (long)d[i].foff, d[i].field);
	fputc(']', j);
}

/* absent records are given as -1 */
static void json_off(FILE *j, const char *k, Rec *r, int comma)
{
	fprintf(j, "\"%s\":%ld%s", k, live(r) ? r->off : -1L, comma ? "," : "");
}

/* first live TTY record whose driver_subtype (as the bytes hold it) is sub */
static Rec *first_tty(Img *im, unsigned sub)
{
	for (int i = 0; i < im->n; i++)
		if (!im->v[i]->del && im->v[i]->kind == K_TTY && FGET(im->v[i], T_TTY, driver_subtype) == sub)
			return im->v[i];
	return NULL;
}
/* first live tty FILE whose tty_objref is the objref introducing tty t */
static Rec *file_on(Img *im, Rec *t)
{
	if (!t || !live(t->obj))
		return NULL;
	s32 ref = FGETS(t->obj, T_OBJREF, objref);
	for (int i = 0; i < im->n; i++) {
		Rec *f = im->v[i];
		if (!f->del && f->kind == K_FILE && FGET(f, T_FILE, f_type) == FILE_TTY && FGETS(f, T_FTTY, tty_objref) == ref)
			return f;
	}
	return NULL;
}

static void write_json(Img *im, const char *path, long size)
{
	FILE *j = fopen(path, "w");
	if (!j) {
		perror(path);
		exit(2);
	}
	g_be = im->be;
	g_arch = im->arch;
	fprintf(j, "{\"size\":%ld,\"endian\":\"%s\",\"recordOffsets\":{", size, im->be ? "be" : "le");
	Rec *ms = im->undecodable ? NULL : first_tty(im, PTY_TYPE_MASTER);
	Rec *ss = im->undecodable ? NULL : first_tty(im, PTY_TYPE_SLAVE);
	json_off(j, "masterTty", ms, 1);
	json_off(j, "slaveTty", ss, 1);
	json_off(j, "slaveFile", file_on(im, ss), 0);
	fprintf(j, "},\"errors\":");
	json_diags(j, im->err, im->nerr);
	if (im->nwarn) {
		fprintf(j, ",\"warnings\":");
		json_diags(j, im->warn, im->nwarn);
	}
	fprintf(j, ",\"ttys\":[");
	int first = 1;
	for (int i = 0; i < im->n; i++) {
		Rec *t = im->v[i];
		if (t->del || t->kind != K_TTY || im->undecodable)
			continue;
		unsigned sub = (unsigned)FGET(t, T_TTY, driver_subtype);
		fprintf(j, "%s{\"objref\":", first ? "" : ",");
		first = 0;
		if (live(t->obj))
			fprintf(j, "%d", FGETS(t->obj, T_OBJREF, objref));
		else
			fprintf(j, "null");
		fprintf(j, ",\"role\":%s", sub == PTY_TYPE_MASTER ? "\"master\"" : sub == PTY_TYPE_SLAVE ? "\"slave\"" : "null");
		fprintf(j, ",\"index\":%u,\"linkObjref\":%d,\"fileObjref\":%d,\"flags\":\"%llu\"", (unsigned)FGET(t, T_TTY, index),
			FGETS(t, T_TTY, link_objref), FGETS(t, T_TTY, file_objref),
			(unsigned long long)FGET(t, T_TTY, flags));
		fprintf(j, ",\"termios\":{\"c_iflag\":%u,\"c_oflag\":%u,\"c_cflag\":%u,\"c_lflag\":%u,\"c_cc\":[",
			(unsigned)FGET(t, T_TTY, termios.c_iflag), (unsigned)FGET(t, T_TTY, termios.c_oflag),
			(unsigned)FGET(t, T_TTY, termios.c_cflag), (unsigned)FGET(t, T_TTY, termios.c_lflag));
		for (int k = 0; k < CKPT_TTY_NCC; k++)
			fprintf(j, "%s%u", k ? "," : "", t->b[offsetof(T_TTY, termios.c_cc) + (size_t)k]);
		fprintf(j, "]},\"winsize\":{\"ws_row\":%u,\"ws_col\":%u,\"ws_xpixel\":%u,\"ws_ypixel\":%u}",
			(unsigned)FGET(t, T_TTY, winsize.ws_row), (unsigned)FGET(t, T_TTY, winsize.ws_col),
			(unsigned)FGET(t, T_TTY, winsize.ws_xpixel), (unsigned)FGET(t, T_TTY, winsize.ws_ypixel));
		Rec *l = t->ldisc;
		if (!live(l)) {
			fprintf(j, ",\"ldisc\":null}");
			continue;
		}
		fprintf(j, ",\"ldisc\":{\"datalen\":%u,\"canon_datalen\":%u,\"canon_data\":%u,\"column\":%u,\"packet\":%u,\"icanon\":%u,\"data\":\"",
			(unsigned)FGET(l, T_LDISC, datalen), (unsigned)FGET(l, T_LDISC, canon_datalen),
			(unsigned)FGET(l, T_LDISC, canon_data), (unsigned)FGET(l, T_LDISC, column),
			(unsigned)FGET(l, T_LDISC, packet), (unsigned)FGET(l, T_LDISC, icanon));
		if (live(l->buf))
			for (size_t k = sizeof(struct ckpt_hdr); k < l->buf->n; k++)
				fprintf(j, "%02x", l->buf->b[k]);
		fprintf(j, "\"}}");
	}
	fprintf(j, "],\"files\":[");
	first = 1;
	for (int i = 0; i < im->n; i++) {
		Rec *f = im->v[i];
		if (f->del || f->kind != K_FILE || FGET(f, T_FILE, f_type) != FILE_TTY || im->undecodable)
			continue;
		fprintf(j, "%s{\"objref\":", first ? "" : ",");
		first = 0;
		if (live(f->obj))
			fprintf(j, "%d", FGETS(f->obj, T_OBJREF, objref));
		else
			fprintf(j, "null");
		fprintf(j, ",\"ttyObjref\":%d}", FGETS(f, T_FTTY, tty_objref));
	}
	fprintf(j, "]}\n");
	fclose(j);
}

static void img_save(Img *im, const char *ckpt, const char *json)
{
	long size;
	layout(im, &size);
	FILE *f = fopen(ckpt, "wb");
	if (!f) {
		perror(ckpt);
		exit(2);
	}
	long left = size;
	for (int i = 0; i < im->n && left > 0; i++) {
		Rec *r = im->v[i];
		if (r->del)
			continue;
		size_t n = r->n < (size_t)left ? r->n : (size_t)left;
		if (fwrite(r->b, 1, n, f) != n) {
			perror(ckpt);
			exit(2);
		}
		left -= (long)n;
	}
	fclose(f);
	if (json)
		write_json(im, json, size);
}

static void img_free(Img *im)
{
	for (int i = 0; i < im->n; i++)
		rec_free(im->v[i]);
	free(im->v);
}

static void finish(Img *im, const char *name)
{
	char p1[8192], p2[8192];
	snprintf(p1, sizeof(p1), "%s/%s.ckpt", g_outdir, name);
	snprintf(p2, sizeof(p2), "%s/%s.json", g_outdir, name);
	img_save(im, p1, p2);
	img_free(im);
	if (g_nnames == g_capnames) {
		g_capnames = g_capnames ? g_capnames * 2 : 64;
		g_names = realloc(g_names, sizeof(char *) * (size_t)g_capnames);
	}
	g_names[g_nnames++] = strdup(name);
}

/* ------------------------------------------------------------------------------------------ */
/* Valid images                                                                                */
/* ------------------------------------------------------------------------------------------ */

static const int FD012[] = {0, 1, 2};
static const int FD3[] = {3};

/* the golden layout: slave-side file (fds 0,1,2), then a master-side file (fd 3) */
static void base_pair(Img *im, int arch, Pair *p)
{
	img_init(im, arch);
	emit_head(im, 0, 1);
	emit_task(im, "bash");
	emit_ft(im, 4);
	emit_pty_file(im, p, 0, 3, FD012);
	emit_pty_file(im, p, 1, 1, FD3);
	emit_tail(im);
}
static Pair pair_def(void)
{
	Pair p;
	memset(&p, 0, sizeof(p));
	p.m = master_def();
	p.s = slave_def();
	return p;
}
static void golden(Img *im)
{
	Pair p = pair_def();
	base_pair(im, ARCH_X86_32, &p);
}
static void golden_raw_locked_packet(Img *im)
{
	Pair p = pair_def();
	p.m.flags |= TTY_PTY_LOCK;
	p.m.packet = 1;
	p.m.datalen = 0;
	make_raw(&p.s);
	base_pair(im, ARCH_X86_32, &p);
}

static char g_full[4097], g_canonfull[4097];

static void valid_cases(void)
{
	Img im;
	Pair p;

	golden(&im);
	finish(&im, "ok-pair-i386");
	golden_raw_locked_packet(&im);
	finish(&im, "ok-raw-locked-packet");

	/* both roles: the master-side file comes first (fd 0), then the slave side (fds 1,2) */
	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "sshd");
	emit_ft(&im, 3);
	{
		static const int f0[] = {0}, f12[] = {1, 2};
		emit_pty_file(&im, &p, 1, 1, f0);
		emit_pty_file(&im, &p, 0, 2, f12);
	}
	emit_tail(&im);
	finish(&im, "ok-master-file-first");

	/* only a slave-side file; only a master-side file (the writer still writes both ttys) */
	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "bash");
	emit_ft(&im, 3);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_tail(&im);
	finish(&im, "ok-slave-file-only");

	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "screen");
	emit_ft(&im, 1);
	emit_pty_file(&im, &p, 1, 1, FD3);
	emit_tail(&im);
	finish(&im, "ok-master-file-only");

	/* hung-up slave: TTY_HUPPED, no LDISC */
	p = pair_def();
	p.s.flags |= TTY_HUPPED;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-hupped-slave");

	/* canonical slave, three complete lines + a partial one (read_tail 0) */
	p = pair_def();
	p.s.data = "ls\npwd\necho hi\nech";
	p.s.datalen = strlen(p.s.data);
	p.s.canon_column = 0;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-canon-lines");

	/* canonical, read_tail 4092 at checkpoint: ring wraps; bits at ring positions 4095 and 5 */
	p = pair_def();
	p.s.data = "pwd\nls -l\nech";
	p.s.datalen = strlen(p.s.data);
	p.s.read_tail = 4092;
	/* canon_head = (4092 + 10) mod 4096 = 6; canon_datalen = 6 + 4096 - 4092 = 10 */
	base_pair(&im, ARCH_X86_32, &p);
	WARN(&im, "LDISC_READ_TAIL", im.s->ldisc, T_LDISC, read_flags);
	finish(&im, "ok-canon-read-tail-wrap");

	/* canonical, read_tail 100, no wrap */
	p = pair_def();
	p.s.read_tail = 100;
	base_pair(&im, ARCH_X86_32, &p);
	WARN(&im, "LDISC_READ_TAIL", im.s->ldisc, T_LDISC, read_flags);
	finish(&im, "ok-canon-read-tail-100");

	/* canonical, no complete line: canon_datalen 4096, canon_data 0 */
	p = pair_def();
	p.s.data = "ech";
	p.s.datalen = 3;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-canon-no-line");

	/* raw slave with a stale canon_datalen larger than datalen */
	p = pair_def();
	make_raw(&p.s);
	p.s.canon_datalen = 1234;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-raw-stale-canon-datalen");

	p = pair_def();
	make_raw(&p.s);
	p.s.canon_datalen = 1;
	p.m.canon_datalen = 4095;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-raw-canon-datalen-1");

	/* full 4096-byte buffer, raw */
	for (int i = 0; i < 4096; i++)
		g_full[i] = (char)('a' + i % 26);
	p = pair_def();
	make_raw(&p.s);
	p.s.data = g_full;
	p.s.datalen = 4096;
	p.s.canon_datalen = 4096;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-full-4096-raw");

	/* full 4096-byte buffer, canonical: 64 complete lines, canon_datalen 4096, canon_data 64 */
	for (int i = 0; i < 4096; i++)
		g_canonfull[i] = (i % 64 == 63) ? '\n' : (char)('A' + (i / 64) % 26);
	p = pair_def();
	p.s.data = g_canonfull;
	p.s.datalen = 4096;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-canon-full-4096");

	/* three pairs, indexes 0, 4, 9 */
	{
		Pair ps[3];
		static const u32 idx[3] = {0, 4, 9};
		img_init(&im, ARCH_X86_32);
		emit_head(&im, 0, 1);
		emit_task(&im, "tmux");
		emit_ft(&im, 6);
		for (int i = 0; i < 3; i++) {
			ps[i] = pair_def();
			ps[i].m.index = ps[i].s.index = idx[i];
			int fs[1] = {2 * i}, fm[1] = {2 * i + 1};
			emit_pty_file(&im, &ps[i], 0, 1, fs);
			emit_pty_file(&im, &ps[i], 1, 1, fm);
		}
		emit_tail(&im);
		finish(&im, "ok-three-pairs");
	}

	/* exclusive slave */
	p = pair_def();
	p.s.flags |= TTY_EXCLUSIVE;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-exclusive");

	/* stopped slave (^S) */
	p = pair_def();
	p.s.stopped = 1;
	p.s.flow_stopped = 1;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-stopped");

	/* packet mode with a status byte pending for the master's reader: the slave's input was
	 * flushed (TIOCPKT_FLUSHREAD, 0x01, in the slave's ctrl_status; v18 restores the byte into a
	 * 1-bit field, so 1 is the value an image can carry) and the master has not read it yet */
	p = pair_def();
	p.m.packet = 1;
	p.s.ctrl_status = 1;
	base_pair(&im, ARCH_X86_32, &p);
	finish(&im, "ok-packet-status-pending");

	/* big-endian */
	p = pair_def();
	p.s.data = "ls\npwd\necho hi\nech"; /* line ends at several bit positions */
	p.s.datalen = strlen(p.s.data);
	p.m.flags |= TTY_PTY_LOCK;
	base_pair(&im, ARCH_S390X, &p);
	finish(&im, "ok-s390x");
	p = pair_def();
	p.s.data = "ls\npwd\necho hi\nech";
	p.s.datalen = strlen(p.s.data);
	p.m.flags |= TTY_PTY_LOCK;
	base_pair(&im, ARCH_PPC32, &p);
	finish(&im, "ok-ppc32");
	p = pair_def();
	p.s.data = "pwd\nls -l\nech";
	p.s.datalen = strlen(p.s.data);
	p.s.read_tail = 4092;
	base_pair(&im, ARCH_S390X, &p);
	WARN(&im, "LDISC_READ_TAIL", im.s->ldisc, T_LDISC, read_flags);
	finish(&im, "ok-s390x-canon-read-tail-wrap");
	p = pair_def();
	p.s.data = g_canonfull;
	p.s.datalen = 4096;
	base_pair(&im, ARCH_PPC64, &p);
	finish(&im, "ok-ppc64-canon-full-4096");

	/* controlling tty: SIGNAL referencing the slave (already saved through the file) */
	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "bash");
	emit_ft(&im, 4);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_pty_file(&im, &p, 1, 1, FD3);
	add(&im, mk_opaque(HDR_TASK_OBJS, 16, 1));
	emit_signal(&im, p.S, 1, -1);
	add(&im, mk_opaque(HDR_THREAD, 32, 2));
	add(&im, mk_opaque(HDR_CPU, 232, 3));
	add(&im, mk_opaque(HDR_SIGNAL_TASK, 136, 4));
	emit_tail(&im);
	finish(&im, "ok-ctty-signal");

	/* a tty reachable only as the controlling tty: written just before SIGNAL */
	p = pair_def();
	p.m.index = p.s.index = 2;
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "daemon");
	emit_ft(&im, 0);
	add(&im, mk_opaque(HDR_TASK_OBJS, 16, 5));
	pair_ttys(&im, &p);
	emit_signal(&im, p.S, 1, -1);
	emit_tail(&im);
	finish(&im, "ok-ctty-only");

	/* a generic file with FILE_NAME next to the pair */
	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "bash");
	emit_ft(&im, 5);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_pty_file(&im, &p, 1, 1, FD3);
	emit_generic_file(&im, "/var/log/session.log", 4, 0);
	emit_tail(&im);
	finish(&im, "ok-generic-file");

	/* opaque records (not decoded by us) with large payloads between the known ones */
	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "vim");
	add(&im, mk_opaque(HDR_TASK_CREDS, 56, 10));
	add(&im, mk_opaque(HDR_TASK_NS, 16, 11));
	emit_ft(&im, 5);
	{
		/* an OBJREF(CRED) + CRED group just before the slave-side FILE, as checkpoint_file_common writes it */
		s32 F = im.next_ref++;
		Rec *o = add(&im, mk_objref(OBJ_FILE, F));
		pair_ttys(&im, &p);
		s32 C = im.next_ref++;
		add(&im, mk_objref(OBJ_CRED, C));
		add(&im, mk_opaque(HDR_CRED, 40, 12));
		Rec *f = rec_new(K_FILE, HDR_FILE, sizeof(T_FTTY));
		FSET(f, T_FTTY, common.f_type, FILE_TTY);
		FSET(f, T_FTTY, common.f_mode, 0x1f);
		FSET(f, T_FTTY, common.f_flags, 2);
		FSETS(f, T_FTTY, common.f_credref, C);
		FSETS(f, T_FTTY, tty_objref, p.S);
		f->obj = o;
		im.sf = add(&im, f);
		im.sf_obj = o;
		for (int i = 0; i < 3; i++)
			emit_fdesc(&im, F, i);
		add(&im, mk_opaque(HDR_PGARR, 8, 13));
		add(&im, mk_opaque(HDR_BUFFER, 200000, 14)); /* a page array, far from any LDISC */
		emit_pty_file(&im, &p, 1, 1, FD3);
		s32 MMr = im.next_ref++;
		add(&im, mk_objref(OBJ_MM, MMr));
		add(&im, mk_opaque(HDR_MM, 48, 15));
		for (int v = 0; v < 4; v++) {
			add(&im, mk_opaque(HDR_VMA, 56, 16 + (u32)v));
			add(&im, mk_opaque(HDR_PGARR, 8, 20 + (u32)v));
			add(&im, mk_opaque(HDR_BUFFER, 65536u * (size_t)(v + 1), 24 + (u32)v));
		}
		s32 SH = im.next_ref++;
		add(&im, mk_objref(OBJ_SIGHAND, SH));
		add(&im, mk_opaque(HDR_SIGHAND, 2056, 30));
		add(&im, mk_opaque(HDR_TASK_OBJS, 16, 31));
		add(&im, mk_opaque(HDR_THREAD, 32, 32));
		add(&im, mk_opaque(HDR_CPU, 232, 33));
		add(&im, mk_opaque(HDR_CPU_FPU, 512, 34));
		add(&im, mk_opaque(HDR_SIGNAL_TASK, 1 << 20, 35));
	}
	emit_tail(&im);
	finish(&im, "ok-opaque-records");

	/* CHECKPOINT_SUBTREE in uflags is legal */
	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 1, 1);
	emit_task(&im, "bash");
	emit_ft(&im, 4);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_pty_file(&im, &p, 1, 1, FD3);
	emit_tail(&im);
	finish(&im, "ok-subtree-uflags");

	/* no tty at all */
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "init");
	emit_ft(&im, 1);
	emit_generic_file(&im, "/dev/null", 0, 0);
	emit_tail(&im);
	finish(&im, "ok-no-tty");

	/* two tasks; the second's file table shares the slave-side file (a second reference: no records) */
	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 2);
	emit_task(&im, "bash");
	emit_ft(&im, 4);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_pty_file(&im, &p, 1, 1, FD3);
	emit_task(&im, "sleep");
	emit_ft(&im, 3);
	{
		s32 F = FGETS(im.sf_obj, T_OBJREF, objref);
		for (int i = 0; i < 3; i++)
			emit_fdesc(&im, F, i);
	}
	emit_tail(&im);
	finish(&im, "ok-two-tasks-shared-file");
}

/* ------------------------------------------------------------------------------------------ */
/* Scenarios of the suites that define pty behaviour, as the state a v18 checkpoint would hold   */
/* at the original's checkpoint point (test/unit/restore-e2e.test.ts restores and verifies them)  */
/* ------------------------------------------------------------------------------------------ */

static char g_hello_in[64], g_hello_echo[80];

/* a pair as a fresh ptmx open + unlockpt gives it, with the n_tty columns of a quiet terminal */
static Pair scenario_pair(u32 index)
{
	Pair p = pair_def();
	p.m.index = p.s.index = index;
	p.m.column = 0;
	memcpy(p.m.ws, p.s.ws, sizeof(p.m.ws));
	p.m.data = "";
	p.m.datalen = 0;
	p.s.data = "";
	p.s.datalen = 0;
	return p;
}

/* the session-leader task records that carry SIGNAL (as in ok-ctty-signal) */
static void emit_ctty(Img *im, s32 tty_ref, s32 pgrp)
{
	add(im, mk_opaque(HDR_TASK_OBJS, 16, 1));
	emit_signal(im, tty_ref, pgrp, -1);
	add(im, mk_opaque(HDR_THREAD, 32, 2));
	add(im, mk_opaque(HDR_CPU, 232, 3));
	add(im, mk_opaque(HDR_SIGNAL_TASK, 136, 4));
}

static void scenario_cases(void)
{
	Img im;
	Pair p;

	/* CRIU zdtm/static/pty00: ten "hello\n" written to the master before the checkpoint, read back
	 * from the slave after restore (canonical, echo on: the echo waits on the master) */
	p = scenario_pair(0);
	for (int i = 0; i < 10; i++) {
		memcpy(g_hello_in + 6 * i, "hello\n", 6);
		memcpy(g_hello_echo + 7 * i, "hello\r\n", 7);
	}
	p.s.data = g_hello_in;
	p.s.datalen = 60;
	p.m.data = g_hello_echo;
	p.m.datalen = 70;
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "pty00");
	emit_ft(&im, 2);
	{
		static const int fm[] = {101}, fs[] = {100};
		emit_pty_file(&im, &p, 1, 1, fm);
		emit_pty_file(&im, &p, 0, 1, fs);
	}
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-pty00");

	/* CRIU zdtm/static/pty01: "two pts on ptmx" are two opens of the one slave: two FILE records on
	 * one slave TTY (a Linux master has one slave; the owner set by fchown is not in v18) */
	p = scenario_pair(1);
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "pty01");
	emit_ft(&im, 3);
	{
		static const int fm[] = {3}, fs1[] = {4}, fs2[] = {5};
		emit_pty_file(&im, &p, 1, 1, fm);
		emit_pty_file(&im, &p, 0, 1, fs1);
		emit_pty_file(&im, &p, 0, 1, fs2);
	}
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-pty01");

	/* CRIU zdtm/static/pty02: a forked child wrote "ping\n" through its copy of the master, the parent
	 * closed its own: the slave holds the line, the master file belongs to the second task */
	p = scenario_pair(2);
	p.s.data = "ping\n";
	p.s.datalen = 5;
	p.m.data = "ping\r\n";
	p.m.datalen = 6;
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 2);
	emit_task(&im, "pty02");
	emit_ft(&im, 1);
	{
		static const int fs[] = {4};
		emit_pty_file(&im, &p, 0, 1, fs);
	}
	emit_task(&im, "pty02");
	emit_ft(&im, 2);
	{
		static const int fm[] = {5};
		emit_pty_file(&im, &p, 1, 1, fm);
	}
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-pty02");

	/* CRIU zdtm/static/pty03: the slave is the controlling terminal but no fd of it is open: the
	 * slave TTY is reached through the master file, and SIGNAL names it */
	p = scenario_pair(3);
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "pty03");
	emit_ft(&im, 1);
	{
		static const int fm[] = {3};
		emit_pty_file(&im, &p, 1, 1, fm);
	}
	emit_ctty(&im, p.S, 1);
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-pty03");

	/* CRIU zdtm/static/pty04: two opens of the slave, one the controlling terminal, and the master
	 * closed: closing the master hangs the slave up (TTY_HUPPED, no LDISC) */
	p = scenario_pair(4);
	p.s.flags |= TTY_HUPPED;
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "pty04");
	emit_ft(&im, 2);
	{
		static const int fs1[] = {3}, fs2[] = {4};
		emit_pty_file(&im, &p, 0, 1, fs1);
		emit_pty_file(&im, &p, 0, 1, fs2);
	}
	emit_ctty(&im, p.S, 1);
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-pty04");

	/* CRIU zdtm/static/tty00: a child session leader has the slave as controlling terminal (fd
	 * closed), the parent holds the master */
	p = scenario_pair(5);
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 2);
	emit_task(&im, "tty00");
	emit_ft(&im, 1);
	{
		static const int fm[] = {3};
		emit_pty_file(&im, &p, 1, 1, fm);
	}
	emit_task(&im, "tty00");
	emit_ft(&im, 0);
	emit_ctty(&im, p.S, 2);
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-tty00");

	/* CRIU zdtm/static/tty02: a session leader opened the slave with O_NOCTTY: no SIGNAL names it */
	p = scenario_pair(6);
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "tty02");
	emit_ft(&im, 2);
	{
		static const int fm[] = {3}, fs[] = {4};
		emit_pty_file(&im, &p, 1, 1, fm);
		emit_pty_file(&im, &p, 0, 1, fs);
	}
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-tty02");

	/* CRIU zdtm/static/tty03: the controlling terminal of a session whose leader holds no fd of it
	 * (its child, another session leader, runs on); the master stays with the parent */
	p = scenario_pair(7);
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 3);
	emit_task(&im, "tty03");
	emit_ft(&im, 1);
	{
		static const int fm[] = {3};
		emit_pty_file(&im, &p, 1, 1, fm);
	}
	emit_task(&im, "tty03");
	emit_ft(&im, 0);
	emit_ctty(&im, p.S, 2);
	emit_task(&im, "tty03");
	emit_ft(&im, 0);
	emit_tail(&im);
	finish(&im, "scn-criu-zdtm-tty03");

	/* Linux-CR cr-tests pty/ptyloop: a forked child writes the 3 bytes "hi\0" to the slave once a
	 * second, the parent reads 3 bytes at a time from the master: three writes wait there */
	p = scenario_pair(8);
	p.m.data = "hi\0hi\0hi\0";
	p.m.datalen = 9;
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 2);
	emit_task(&im, "ptyloop");
	emit_ft(&im, 1);
	{
		static const int fm[] = {3};
		emit_pty_file(&im, &p, 1, 1, fm);
	}
	emit_task(&im, "ptyloop");
	emit_ft(&im, 3);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_tail(&im);
	finish(&im, "scn-cr-tests-ptyloop");

	/* user-cr test/pty.c: pair 1 has "pid=4242\n" written to its master (the slave holds it, the echo
	 * waits on the master); pair 2 has it written to its slave, which was then closed: the output
	 * waits for the master, which carries TTY_OTHER_CLOSED */
	{
		Pair a = scenario_pair(9), b = scenario_pair(10);
		a.s.data = "pid=4242\n";
		a.s.datalen = 9;
		a.m.data = "pid=4242\r\n";
		a.m.datalen = 10;
		b.m.data = "pid=4242\r\n";
		b.m.datalen = 10;
		b.m.flags |= BIT(2); /* TTY_OTHER_CLOSED */
		img_init(&im, ARCH_X86_32);
		emit_head(&im, 0, 1);
		emit_task(&im, "pty");
		emit_ft(&im, 3);
		static const int f0[] = {3}, f1[] = {4}, f2[] = {5};
		emit_pty_file(&im, &a, 1, 1, f0);
		emit_pty_file(&im, &a, 0, 1, f1);
		emit_pty_file(&im, &b, 1, 1, f2);
		emit_tail(&im);
		finish(&im, "scn-user-cr-test-pty");
	}

	/* rr src/test/ioctl_pty.c: a master right after open(/dev/ptmx): TIOCGPTLCK 1, TIOCGPKT 0 */
	p = scenario_pair(11);
	p.m.flags |= TTY_PTY_LOCK;
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "ioctl_pty");
	emit_ft(&im, 1);
	{
		static const int fm[] = {3};
		emit_pty_file(&im, &p, 1, 1, fm);
	}
	emit_tail(&im);
	finish(&im, "scn-rr-ioctl-pty");

	/* kernel selftest filesystems/devpts_pts.c: a pair of a devpts instance mounted elsewhere, its
	 * slave reached through TIOCGPTPEER and set up as a login terminal (pts 0 of that instance) */
	p = scenario_pair(0);
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "devpts_pts");
	emit_ft(&im, 4);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_pty_file(&im, &p, 1, 1, FD3);
	emit_tail(&im);
	finish(&im, "scn-kselftest-devpts-pts");
}

/* ------------------------------------------------------------------------------------------ */
/* Warning cases (errors [], "warnings" lists the warning the case exists for)                  */
/* ------------------------------------------------------------------------------------------ */

#define HDRF(im, kindmacro, c, r, f) kindmacro(im, c, r, struct ckpt_hdr, f)

static void warn_cases(void)
{
	Img im;
	Pair p;
	Rec *r;

	golden(&im);
	r = insert_before(&im, im.tail, mk_opaque(777, 16, 40));
	HDRF(&im, WARN, "REC_UNKNOWN_TYPE", r, type);
	finish(&im, "warn-rec_unknown_type");

	p = pair_def();
	p.s.flags |= BIT(8);
	base_pair(&im, ARCH_X86_32, &p);
	WARN(&im, "TTY_FLAGS_UNKNOWN", im.s, T_TTY, flags);
	finish(&im, "warn-tty_flags_unknown");

	p = pair_def();
	p.s.flags |= TTY_HUPPED;
	base_pair(&im, ARCH_PPC32, &p);
	WARN(&im, "TTY_HUPPED_32BE", im.s, T_TTY, flags);
	finish(&im, "warn-tty_hupped_32be");

	p = pair_def();
	p.s.c_line = 1;
	base_pair(&im, ARCH_X86_32, &p);
	add_diag(im.warn, &im.nwarn, "TTY_C_LINE", im.s, offsetof(T_TTY, termios.c_line), "c_line");
	finish(&im, "warn-tty_c_line");

	/* a master that no slave links to (a writer always writes both; hand-made) */
	{
		TtyCfg m = master_def();
		img_init(&im, ARCH_X86_32);
		emit_head(&im, 0, 1);
		emit_task(&im, "screen");
		emit_ft(&im, 1);
		s32 F = im.next_ref++;
		Rec *o = add(&im, mk_objref(OBJ_FILE, F));
		s32 M = im.next_ref++, R = im.next_ref++;
		im.m = emit_tty(&im, &m, PTY_TYPE_MASTER, M, 0, R);
		Rec *f = rec_new(K_FILE, HDR_FILE, sizeof(T_FTTY));
		FSET(f, T_FTTY, common.f_type, FILE_TTY);
		FSET(f, T_FTTY, common.f_mode, 0x1f);
		FSET(f, T_FTTY, common.f_flags, 2);
		FSETS(f, T_FTTY, tty_objref, M);
		f->obj = o;
		im.mf = add(&im, f);
		emit_fdesc(&im, F, 0);
		emit_tail(&im);
		WARN(&im, "PAIR_NO_SLAVE", im.m, T_TTY, link_objref);
		finish(&im, "warn-pair_no_slave");
	}

	p = pair_def();
	p.m.rawbit = 3;
	base_pair(&im, ARCH_X86_32, &p);
	WARN(&im, "LDISC_READ_FLAGS_RAW", im.m->ldisc, T_LDISC, read_flags);
	finish(&im, "warn-ldisc_read_flags_raw");

	p = pair_def();
	p.s.lflag &= (u16)~ICANON_FLAG;
	base_pair(&im, ARCH_X86_32, &p);
	WARN(&im, "LDISC_ICANON_TERMIOS", im.s->ldisc, T_LDISC, icanon);
	finish(&im, "warn-ldisc_icanon_termios");

	golden(&im);
	FSET(im.fds[3], T_FD, fd_close_on_exec, 2);
	WARN(&im, "FILE_DESC_CLOEXEC", im.fds[3], T_FD, fd_close_on_exec);
	finish(&im, "warn-file_desc_cloexec");
}

/* ------------------------------------------------------------------------------------------ */
/* Corrupt cases: one change from a valid image each                                           */
/* ------------------------------------------------------------------------------------------ */

static Rec *nth_kind(Img *im, int kind, int nth)
{
	for (int i = 0; i < im->n; i++)
		if (im->v[i]->kind == kind && nth-- == 0)
			return im->v[i];
	fprintf(stderr, "internal: no record of kind %d\n", kind);
	exit(2);
}

static void three_pairs(Img *im, Pair ps[3])
{
	static const u32 idx[3] = {0, 4, 9};
	img_init(im, ARCH_X86_32);
	emit_head(im, 0, 1);
	emit_task(im, "tmux");
	emit_ft(im, 6);
	for (int i = 0; i < 3; i++) {
		ps[i] = pair_def();
		ps[i].m.index = ps[i].s.index = idx[i];
		int fs[1] = {2 * i}, fm[1] = {2 * i + 1};
		emit_pty_file(im, &ps[i], 0, 1, fs);
		emit_pty_file(im, &ps[i], 1, 1, fm);
	}
	emit_tail(im);
}

static void ctty_base(Img *im, Pair *p)
{
	*p = pair_def();
	img_init(im, ARCH_X86_32);
	emit_head(im, 0, 1);
	emit_task(im, "bash");
	emit_ft(im, 4);
	emit_pty_file(im, p, 0, 3, FD012);
	emit_pty_file(im, p, 1, 1, FD3);
	add(im, mk_opaque(HDR_TASK_OBJS, 16, 1));
	emit_signal(im, p->S, 1, -1);
	emit_tail(im);
}

static Rec *mk_error_pair(Img *im, Rec *before)
{
	static const char msg[] = "\0tty: bad flags 0x80a00"; /* '\0' + message + '\0' */
	Rec *e = rec_payload(K_ERROR, HDR_ERROR, NULL, 0);
	Rec *s = rec_payload(K_STRING, HDR_STRING, msg, sizeof(msg));
	if (before) {
		insert_before(im, before, e);
		insert_before(im, before, s);
	} else {
		add(im, e);
		add(im, s);
	}
	return e;
}

struct constdef {
	const char *name;
	size_t off;
	u16 bad;
};
#define CONSTDEF(f, v) {#f, offsetof(T_HEADER, constants.f), v}
static const struct constdef CONSTS[] = {
	CONSTDEF(task_comm_len, 32),      CONSTDEF(signal_nsig, 65),        CONSTDEF(uts_sysname_len, 257),
	CONSTDEF(uts_nodename_len, 257),  CONSTDEF(uts_release_len, 257),   CONSTDEF(uts_version_len, 257),
	CONSTDEF(uts_machine_len, 257),   CONSTDEF(uts_domainname_len, 257), CONSTDEF(rlimit_nlimits, 15),
	CONSTDEF(n_tty_buf_size, 8192),   CONSTDEF(tty_termios_ncc, 19),
};

struct booldef {
	const char *name;
	size_t off;
};
#define BOOLDEF(f) {#f, offsetof(T_LDISC, f)}
static const struct booldef BOOLS[] = {
	BOOLDEF(stopped), BOOLDEF(hw_stopped), BOOLDEF(flow_stopped), BOOLDEF(packet),
	BOOLDEF(ctrl_status), BOOLDEF(lnext), BOOLDEF(erasing), BOOLDEF(raw),
	BOOLDEF(real_raw), BOOLDEF(icanon), BOOLDEF(closing),
};

static void bad_cases(void)
{
	Img im;
	Pair p, ps[3];
	Rec *r;
	char name[128];

	/* ---- framing ---- */
	golden(&im);
	r = rec_new(K_RAW, 0, 4); /* 4 stray bytes after the TAIL */
	memset(r->b, 0, 4);
	add(&im, r);
	HDRF(&im, ERR, "REC_HDR_TRUNCATED", r, type);
	finish(&im, "bad-rec_hdr_truncated");

	golden(&im);
	im.cut = (long)sizeof(T_TAIL) - 4; /* the file ends 4 bytes into the TAIL header */
	HDRF(&im, ERR, "REC_HDR_TRUNCATED", im.tail, type);
	HDRF(&im, ERR, "TAIL_MISSING", im.fds[3], type);
	finish(&im, "bad-rec_hdr_truncated-cut-tail");

	golden(&im);
	r = insert_before(&im, im.tail, rec_payload(K_OPAQUE, HDR_TASK_OBJS, NULL, 0));
	FSET(r, struct ckpt_hdr, len, 4);
	/* broken framing is reported at the record header (docs/diagnostics.md), field len */
	add_diag(im.err, &im.nerr, "REC_LEN_SHORT", r, 0, "len");
	finish(&im, "bad-rec_len_short");

	golden(&im);
	r = insert_before(&im, im.tail, rec_payload(K_OPAQUE, HDR_TASK_OBJS, NULL, 0));
	FSET(r, struct ckpt_hdr, len, sizeof(struct ckpt_hdr) + sizeof(T_TAIL) + 100);
	/* reported at the record header; a resync after the broken framing finds the TAIL 8 bytes on */
	add_diag(im.err, &im.nerr, "REC_TRUNCATED", r, 0, "len");
	finish(&im, "bad-rec_truncated");

	golden(&im);
	im.tail->del = 1;
	HDRF(&im, ERR, "TAIL_MISSING", im.fds[3], type);
	finish(&im, "bad-tail_missing");

	golden(&im);
	r = add(&im, mk_opaque(HDR_RESTART_BLOCK, 40, 41));
	HDRF(&im, ERR, "TAIL_NOT_LAST", r, type);
	finish(&im, "bad-tail_not_last");

	golden(&im);
	rec_grow(im.tail, 8);
	HDRF(&im, ERR, "TAIL_LEN", im.tail, len);
	finish(&im, "bad-tail_len");

	golden(&im);
	FSET(im.tail, T_TAIL, magic, MAGIC_TAIL ^ 0x0000000000ff0000ULL);
	ERR(&im, "TAIL_MAGIC", im.tail, T_TAIL, magic);
	finish(&im, "bad-tail_magic");

	golden(&im);
	r = mk_error_pair(&im, im.tail);
	HDRF(&im, ERR, "ERROR_RECORD", r, type);
	finish(&im, "bad-error_record");

	golden(&im);
	im.tail->del = 1;
	r = mk_error_pair(&im, NULL);
	HDRF(&im, ERR, "ERROR_RECORD", r, type);
	HDRF(&im, ERR, "TAIL_MISSING", im.v[im.n - 1], type);
	finish(&im, "bad-error_record-no-tail");

	/* ---- header ---- */
	golden(&im);
	FSET(im.hdr, struct ckpt_hdr, type, HDR_TASK_OBJS);
	HDRF(&im, ERR, "HDR_FIRST", im.hdr, type);
	finish(&im, "bad-hdr_first");

	golden(&im);
	rec_grow(im.hdr, 8);
	HDRF(&im, ERR, "HDR_LEN", im.hdr, len);
	finish(&im, "bad-hdr_len");

	golden(&im);
	FSET(im.hdr, T_HEADER, magic, MAGIC_HEAD | 0xff);
	ERR(&im, "HDR_MAGIC", im.hdr, T_HEADER, magic);
	finish(&im, "bad-hdr_magic");

	golden(&im);
	im.hdr->b[offsetof(T_HEADER, arch_id)] = 7; /* always little-endian */
	ERR(&im, "HDR_ARCH_ID", im.hdr, T_HEADER, arch_id);
	/* The byte order still follows from the first record header (type 1, len 72 reads that way only),
	 * so a tool can decode the rest without guessing; only rev != 2 makes an image undecodable. */
	finish(&im, "bad-hdr_arch_id");

	golden(&im);
	FSET(im.hdr, T_HEADER, rev, 3);
	ERR(&im, "HDR_REV", im.hdr, T_HEADER, rev);
	im.undecodable = 1;
	finish(&im, "bad-hdr_rev");

	golden(&im);
	FSET(im.hdr, T_HEADER, uflags, 2);
	ERR(&im, "HDR_UFLAGS", im.hdr, T_HEADER, uflags);
	finish(&im, "bad-hdr_uflags");

	for (size_t i = 0; i < sizeof(CONSTS) / sizeof(CONSTS[0]); i++) {
		golden(&im);
		put_n(im.hdr->b + CONSTS[i].off, 2, CONSTS[i].bad);
		add_diag(im.err, &im.nerr, "HDR_CONST", im.hdr, CONSTS[i].off, CONSTS[i].name);
		snprintf(name, sizeof(name), "bad-hdr_const-%s", CONSTS[i].name);
		finish(&im, name);
	}

	golden(&im);
	r = nth_kind(&im, K_UTS, 1);
	rec_grow(r, 1); /* version BUFFER len 74 */
	HDRF(&im, ERR, "HDR_UTS_BUFFER", r, len);
	finish(&im, "bad-hdr_uts_buffer-len");

	golden(&im);
	r = nth_kind(&im, K_UTS, 0);
	FSET(r, struct ckpt_hdr, type, HDR_STRING);
	HDRF(&im, ERR, "HDR_UTS_BUFFER", r, type);
	finish(&im, "bad-hdr_uts_buffer-type");

	golden(&im);
	im.harch->n = sizeof(struct ckpt_hdr); /* x86 HEADER_ARCH written bare (len 8) */
	FSET(im.harch, struct ckpt_hdr, len, im.harch->n);
	HDRF(&im, ERR, "HDR_ARCH_RECORD", im.harch, len);
	finish(&im, "bad-hdr_arch_record-len");

	golden(&im);
	im.harch->del = 1;
	HDRF(&im, ERR, "HDR_ARCH_RECORD", im.tree, type);
	finish(&im, "bad-hdr_arch_record-missing");

	p = pair_def();
	base_pair(&im, ARCH_S390X, &p);
	rec_grow(im.harch, 8);
	HDRF(&im, ERR, "HDR_ARCH_RECORD", im.harch, len);
	finish(&im, "bad-hdr_arch_record-s390x-len16");

	golden(&im);
	rec_grow(im.pids, 8);
	HDRF(&im, ERR, "TREE_PIDS", im.pids, len);
	finish(&im, "bad-tree_pids-len");

	golden(&im);
	FSETS(im.tree, T_TREE, nr_tasks, 0);
	im.pids->n = sizeof(struct ckpt_hdr);
	FSET(im.pids, struct ckpt_hdr, len, im.pids->n);
	ERR(&im, "TREE_PIDS", im.tree, T_TREE, nr_tasks);
	finish(&im, "bad-tree_pids-nr_tasks");

	/* ---- objrefs ---- */
	golden(&im);
	rec_grow(im.ft_obj, 8);
	HDRF(&im, ERR, "OBJREF_LEN", im.ft_obj, len);
	finish(&im, "bad-objref_len");

	golden(&im);
	FSETS(im.ft_obj, T_OBJREF, objref, 0);
	ERR(&im, "OBJREF_INVALID", im.ft_obj, T_OBJREF, objref);
	finish(&im, "bad-objref_invalid");

	golden(&im);
	FSETS(im.ft_obj, T_OBJREF, objref, -1);
	ERR(&im, "OBJREF_INVALID", im.ft_obj, T_OBJREF, objref);
	finish(&im, "bad-objref_invalid-negative");

	golden(&im);
	FSET(im.ft_obj, T_OBJREF, objtype, OBJ_MAX);
	ERR(&im, "OBJREF_TYPE", im.ft_obj, T_OBJREF, objtype);
	HDRF(&im, ERR, "OBJ_WITHOUT_OBJREF", im.ft, type);
	finish(&im, "bad-objref_type");

	golden(&im);
	FSETS(im.mf_obj, T_OBJREF, objref, FGETS(im.sf_obj, T_OBJREF, objref));
	ERR(&im, "OBJREF_DUPLICATE", im.mf_obj, T_OBJREF, objref);
	ERR(&im, "REF_DANGLING", im.fds[3], T_FD, fd_objref);
	finish(&im, "bad-objref_duplicate");

	golden(&im);
	r = insert_before(&im, im.tail, mk_objref(OBJ_FILE, 7));
	ERR(&im, "OBJREF_NO_OBJECT", r, T_OBJREF, objtype);
	finish(&im, "bad-objref_no_object");

	golden(&im);
	im.ft_obj->del = 1;
	HDRF(&im, ERR, "OBJ_WITHOUT_OBJREF", im.ft, type);
	finish(&im, "bad-obj_without_objref");

	golden(&im);
	FSETS(im.fds[3], T_FD, fd_objref, 42);
	ERR(&im, "REF_DANGLING", im.fds[3], T_FD, fd_objref);
	finish(&im, "bad-ref_dangling-fd_objref");

	golden(&im);
	FSETS(im.mf, T_FTTY, tty_objref, 42);
	ERR(&im, "REF_DANGLING", im.mf, T_FTTY, tty_objref);
	finish(&im, "bad-ref_dangling-tty_objref");

	golden(&im);
	FSETS(im.s, T_TTY, link_objref, 42);
	ERR(&im, "REF_DANGLING", im.s, T_TTY, link_objref);
	finish(&im, "bad-ref_dangling-link_objref");

	ctty_base(&im, &p);
	FSETS(im.sig, T_SIGNAL, tty_objref, 42);
	ERR(&im, "REF_DANGLING", im.sig, T_SIGNAL, tty_objref);
	finish(&im, "bad-ref_dangling-signal");

	golden(&im);
	FSETS(im.fds[2], T_FD, fd_objref, FGETS(im.mf_obj, T_OBJREF, objref));
	ERR(&im, "REF_FORWARD", im.fds[2], T_FD, fd_objref);
	finish(&im, "bad-ref_forward");

	golden(&im);
	FSETS(im.fds[3], T_FD, fd_objref, FGETS(im.m->obj, T_OBJREF, objref));
	ERR(&im, "REF_WRONG_TYPE", im.fds[3], T_FD, fd_objref);
	finish(&im, "bad-ref_wrong_type-fd_objref");

	golden(&im);
	FSETS(im.mf, T_FTTY, tty_objref, FGETS(im.ft_obj, T_OBJREF, objref));
	ERR(&im, "REF_WRONG_TYPE", im.mf, T_FTTY, tty_objref);
	finish(&im, "bad-ref_wrong_type-tty_objref");

	ctty_base(&im, &p);
	FSETS(im.sig, T_SIGNAL, tty_objref, FGETS(im.sf_obj, T_OBJREF, objref));
	ERR(&im, "REF_WRONG_TYPE", im.sig, T_SIGNAL, tty_objref);
	finish(&im, "bad-ref_wrong_type-signal");

	golden(&im);
	FSETS(im.m, T_TTY, file_objref, FGETS(im.mf_obj, T_OBJREF, objref));
	ERR(&im, "REF_RESERVED_USED", im.mf_obj, T_OBJREF, objref);
	finish(&im, "bad-ref_reserved_used");

	golden(&im);
	FSETS(im.m, T_TTY, file_objref, FGETS(im.sf_obj, T_OBJREF, objref));
	ERR(&im, "REF_RESERVED_USED", im.m, T_TTY, file_objref);
	finish(&im, "bad-ref_reserved_used-earlier");

	/* ---- tty ---- */
	golden(&im);
	rec_grow(im.m, 8);
	HDRF(&im, ERR, "TTY_LEN", im.m, len);
	finish(&im, "bad-tty_len");

	golden(&im);
	FSET(im.s, T_TTY, driver_type, 3);
	ERR(&im, "TTY_DRIVER_TYPE", im.s, T_TTY, driver_type);
	finish(&im, "bad-tty_driver_type");

	golden(&im);
	FSET(im.s, T_TTY, driver_subtype, 3);
	ERR(&im, "TTY_DRIVER_SUBTYPE", im.s, T_TTY, driver_subtype);
	finish(&im, "bad-tty_driver_subtype");

	golden(&im);
	FSETS(im.s, T_TTY, link_objref, -3);
	ERR(&im, "TTY_LINK_OBJREF", im.s, T_TTY, link_objref);
	finish(&im, "bad-tty_link_objref-negative");

	golden(&im);
	FSETS(im.s, T_TTY, link_objref, 0);
	ERR(&im, "TTY_LINK_OBJREF", im.s, T_TTY, link_objref);
	finish(&im, "bad-tty_link_objref-slave-zero");

	golden(&im);
	FSETS(im.m, T_TTY, link_objref, FGETS(im.s->obj, T_OBJREF, objref));
	ERR(&im, "TTY_LINK_OBJREF", im.m, T_TTY, link_objref);
	finish(&im, "bad-tty_link_objref-master-nonzero");

	golden(&im);
	FSETS(im.m, T_TTY, file_objref, 0);
	ERR(&im, "TTY_FILE_OBJREF", im.m, T_TTY, file_objref);
	finish(&im, "bad-tty_file_objref-master-zero");

	golden(&im);
	FSETS(im.m, T_TTY, file_objref, -4);
	ERR(&im, "TTY_FILE_OBJREF", im.m, T_TTY, file_objref);
	finish(&im, "bad-tty_file_objref-negative");

	golden(&im);
	FSETS(im.s, T_TTY, file_objref, 7);
	ERR(&im, "TTY_FILE_OBJREF", im.s, T_TTY, file_objref);
	finish(&im, "bad-tty_file_objref-slave-nonzero");

	golden(&im);
	FSET(im.s, T_TTY, flags, FGET(im.s, T_TTY, flags) | TTY_CLOSING);
	ERR(&im, "TTY_FLAGS_BAD", im.s, T_TTY, flags);
	finish(&im, "bad-tty_flags_bad-closing");

	/* flags is a u64: bits above 2^53 must neither hide a set bit nor invent one */
	golden(&im);
	FSET(im.s, T_TTY, flags, FGET(im.s, T_TTY, flags) | TTY_CLOSING | BIT(61));
	ERR(&im, "TTY_FLAGS_BAD", im.s, T_TTY, flags);
	WARN(&im, "TTY_FLAGS_UNKNOWN", im.s, T_TTY, flags);
	finish(&im, "bad-tty_flags_bad-closing-bit61");

	golden(&im);
	FSET(im.s, T_TTY, flags, FGET(im.s, T_TTY, flags) | BIT(63));
	WARN(&im, "TTY_FLAGS_UNKNOWN", im.s, T_TTY, flags);
	finish(&im, "warn-tty_flags_unknown-bit63");

	golden(&im);
	FSET(im.m, T_TTY, flags, FGET(im.m, T_TTY, flags) | TTY_FLUSHING);
	ERR(&im, "TTY_FLAGS_BAD", im.m, T_TTY, flags);
	finish(&im, "bad-tty_flags_bad-flushing");

	p = pair_def();
	p.s.flags |= TTY_CLOSING;
	base_pair(&im, ARCH_PPC32, &p);
	ERR(&im, "TTY_FLAGS_BAD", im.s, T_TTY, flags);
	finish(&im, "bad-tty_flags_bad-ppc32");

	p = pair_def();
	p.m.flags |= TTY_HUPPED; /* as a writer would emit it: no LDISC */
	base_pair(&im, ARCH_X86_32, &p);
	ERR(&im, "TTY_HUPPED_MASTER", im.m, T_TTY, flags);
	finish(&im, "bad-tty_hupped_master");

	golden(&im);
	FSET(im.m, T_TTY, flags, FGET(im.m, T_TTY, flags) | TTY_HUPPED); /* the LDISC stays */
	/* restart rejects the hung-up master before any LDISC question arises: one error */
	ERR(&im, "TTY_HUPPED_MASTER", im.m, T_TTY, flags);
	finish(&im, "bad-tty_hupped_master-with-ldisc");

	golden(&im);
	FSET(im.s, T_TTY, ldisc, 1);
	ERR(&im, "TTY_LDISC_NUM", im.s, T_TTY, ldisc);
	finish(&im, "bad-tty_ldisc_num");

	golden(&im);
	FSET(im.s, T_TTY, flags, FGET(im.s, T_TTY, flags) | TTY_LDISC_CHANGING);
	ERR(&im, "TTY_LDISC_FLAGS", im.s, T_TTY, flags);
	finish(&im, "bad-tty_ldisc_flags-changing");

	golden(&im);
	FSET(im.s, T_TTY, flags, FGET(im.s, T_TTY, flags) & ~TTY_LDISC_OPEN);
	ERR(&im, "TTY_LDISC_FLAGS", im.s, T_TTY, flags);
	finish(&im, "bad-tty_ldisc_flags-not-open");

	golden(&im);
	im.s->ldisc->buf->del = 1;
	im.s->ldisc->del = 1;
	HDRF(&im, ERR, "TTY_LDISC_MISSING", im.s, type);
	finish(&im, "bad-tty_ldisc_missing");

	golden(&im);
	im.m->ldisc->buf->del = 1;
	im.m->ldisc->del = 1;
	HDRF(&im, ERR, "TTY_LDISC_MISSING", im.m, type);
	finish(&im, "bad-tty_ldisc_missing-master");

	golden(&im);
	FSET(im.s, T_TTY, flags, FGET(im.s, T_TTY, flags) | TTY_HUPPED);
	HDRF(&im, ERR, "TTY_LDISC_AFTER_HUP", im.s->ldisc, type);
	finish(&im, "bad-tty_ldisc_after_hup");

	golden(&im);
	FSET(im.s, T_TTY, index, 8);
	ERR(&im, "PAIR_INDEX", im.s, T_TTY, index);
	finish(&im, "bad-pair_index");

	p = pair_def();
	base_pair(&im, ARCH_PPC32, &p);
	FSET(im.s, T_TTY, index, 8);
	ERR(&im, "PAIR_INDEX", im.s, T_TTY, index);
	finish(&im, "bad-pair_index-ppc32");

	three_pairs(&im, ps);
	FSETS(ps[1].st, T_TTY, link_objref, ps[0].M);
	ERR(&im, "PAIR_SHARED_MASTER", ps[1].st, T_TTY, link_objref);
	ERR(&im, "PAIR_INDEX", ps[1].st, T_TTY, index);
	finish(&im, "bad-pair_shared_master");

	/* ---- ldisc ---- */
	golden(&im);
	rec_grow(im.s->ldisc, 8);
	HDRF(&im, ERR, "LDISC_LEN", im.s->ldisc, len);
	finish(&im, "bad-ldisc_len");

	golden(&im);
	{
		TtyCfg c = master_def();
		c.datalen = 0;
		r = insert_before(&im, im.tail, mk_ldisc(&c));
	}
	HDRF(&im, ERR, "LDISC_ORPHAN", r, type);
	finish(&im, "bad-ldisc_orphan");

	golden(&im);
	FSET(im.s->ldisc, T_LDISC, datalen, 5000);
	ERR(&im, "LDISC_DATALEN", im.s->ldisc, T_LDISC, datalen);
	finish(&im, "bad-ldisc_datalen");

	p = pair_def();
	base_pair(&im, ARCH_S390X, &p);
	FSET(im.s->ldisc, T_LDISC, datalen, 5000);
	ERR(&im, "LDISC_DATALEN", im.s->ldisc, T_LDISC, datalen);
	finish(&im, "bad-ldisc_datalen-s390x");

	golden(&im);
	FSET(im.m->ldisc, T_LDISC, canon_datalen, 5000);
	ERR(&im, "LDISC_CANON_DATALEN_RANGE", im.m->ldisc, T_LDISC, canon_datalen);
	finish(&im, "bad-ldisc_canon_datalen_range");

	golden(&im);
	im.m->ldisc->buf->del = 1;
	ERR(&im, "LDISC_BUFFER_MISSING", im.m->ldisc, T_LDISC, datalen);
	finish(&im, "bad-ldisc_buffer_missing");

	golden(&im);
	FSET(im.m->ldisc, T_LDISC, datalen, FGET(im.m->ldisc, T_LDISC, datalen) + 1);
	ERR(&im, "LDISC_BUFFER_LEN", im.m->ldisc, T_LDISC, datalen);
	finish(&im, "bad-ldisc_buffer_len");

	golden(&im);
	FSET(im.m->ldisc, T_LDISC, datalen, 0);
	HDRF(&im, ERR, "LDISC_BUFFER_UNEXPECTED", im.m->ldisc->buf, type);
	finish(&im, "bad-ldisc_buffer_unexpected");

	for (size_t i = 0; i < sizeof(BOOLS) / sizeof(BOOLS[0]); i++) {
		golden(&im);
		im.m->ldisc->b[BOOLS[i].off] = 2;
		add_diag(im.err, &im.nerr, "LDISC_BOOL", im.m->ldisc, BOOLS[i].off, BOOLS[i].name);
		snprintf(name, sizeof(name), "bad-ldisc_bool-%s", BOOLS[i].name);
		finish(&im, name);
	}

	golden(&im);
	FSET(im.s->ldisc, T_LDISC, canon_data, 2);
	ERR(&im, "LDISC_CANON_DATA", im.s->ldisc, T_LDISC, canon_data);
	finish(&im, "bad-ldisc_canon_data");

	golden(&im);
	FSET(im.s->ldisc, T_LDISC, canon_data, 0);
	ERR(&im, "LDISC_CANON_DATA", im.s->ldisc, T_LDISC, canon_data);
	finish(&im, "bad-ldisc_canon_data-zero");

	p = pair_def();
	p.s.data = "ls\npwd\necho hi\nech";
	p.s.datalen = strlen(p.s.data);
	base_pair(&im, ARCH_S390X, &p);
	FSET(im.s->ldisc, T_LDISC, canon_data, 2);
	ERR(&im, "LDISC_CANON_DATA", im.s->ldisc, T_LDISC, canon_data);
	finish(&im, "bad-ldisc_canon_data-s390x");

	golden(&im);
	FSET(im.s->ldisc, T_LDISC, canon_datalen, 10); /* > datalen 9 */
	ERR(&im, "LDISC_CANON_DATALEN", im.s->ldisc, T_LDISC, canon_datalen);
	finish(&im, "bad-ldisc_canon_datalen");

	p = pair_def();
	p.s.data = "ls\npwd\necho hi\nech"; /* line ends at 2, 6, 14; canon_datalen 15 */
	p.s.datalen = strlen(p.s.data);
	base_pair(&im, ARCH_X86_32, &p);
	FSET(im.s->ldisc, T_LDISC, canon_datalen, 10); /* window [5..14] misses bit 2 */
	ERR(&im, "LDISC_CANON_DATALEN", im.s->ldisc, T_LDISC, canon_datalen);
	finish(&im, "bad-ldisc_canon_datalen-window");

	/* ---- files ---- */
	golden(&im);
	rec_grow(im.mf, 8);
	HDRF(&im, ERR, "FILE_LEN", im.mf, len);
	finish(&im, "bad-file_len");

	p = pair_def();
	img_init(&im, ARCH_X86_32);
	emit_head(&im, 0, 1);
	emit_task(&im, "bash");
	emit_ft(&im, 5);
	emit_pty_file(&im, &p, 0, 3, FD012);
	emit_pty_file(&im, &p, 1, 1, FD3);
	r = emit_generic_file(&im, "/var/log/session.log", 4, 0);
	emit_tail(&im);
	rec_grow(r, 8);
	HDRF(&im, ERR, "FILE_LEN", r, len);
	finish(&im, "bad-file_len-generic");

	golden(&im);
	FSET(im.mf, T_FILE, f_type, FILE_MAX);
	ERR(&im, "FILE_TYPE", im.mf, T_FILE, f_type);
	finish(&im, "bad-file_type");

	golden(&im);
	FSETS(im.mf, T_FTTY, tty_objref, 0);
	ERR(&im, "FILE_TTY_OBJREF", im.mf, T_FTTY, tty_objref);
	finish(&im, "bad-file_tty_objref");

	golden(&im);
	FSETS(im.sf, T_FTTY, tty_objref, -5);
	ERR(&im, "FILE_TTY_OBJREF", im.sf, T_FTTY, tty_objref);
	finish(&im, "bad-file_tty_objref-negative");

	golden(&im);
	rec_grow(im.ft, 8);
	HDRF(&im, ERR, "FILE_TABLE_LEN", im.ft, len);
	finish(&im, "bad-file_table_len");

	golden(&im);
	rec_grow(im.fds[3], 8);
	HDRF(&im, ERR, "FILE_DESC_LEN", im.fds[3], len);
	finish(&im, "bad-file_desc_len");

	golden(&im);
	im.ft_obj->del = 1;
	im.ft->del = 1;
	for (int i = 0; i < 4; i++)
		HDRF(&im, ERR, "FILE_DESC_ORPHAN", im.fds[i], type);
	finish(&im, "bad-file_desc_orphan");

	golden(&im);
	FSETS(im.fds[3], T_FD, fd_descriptor, -1);
	ERR(&im, "FILE_DESC_FD", im.fds[3], T_FD, fd_descriptor);
	finish(&im, "bad-file_desc_fd-negative");

	golden(&im);
	FSETS(im.fds[3], T_FD, fd_descriptor, 2);
	ERR(&im, "FILE_DESC_FD", im.fds[3], T_FD, fd_descriptor);
	finish(&im, "bad-file_desc_fd-duplicate");

	ctty_base(&im, &p);
	rec_grow(im.sig, 8);
	HDRF(&im, ERR, "SIGNAL_LEN", im.sig, len);
	finish(&im, "bad-signal_len");
}

/* ------------------------------------------------------------------------------------------ */
/* Benchmarks (streamed)                                                                       */
/* ------------------------------------------------------------------------------------------ */

static FILE *open_stream(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	setvbuf(f, NULL, _IOFBF, 16 << 20);
	return f;
}

static void close_stream(FILE *f, const char *path)
{
	if (fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* bench-pairs: 1000 pty pairs, each followed by a large opaque page BUFFER */
static void bench_pairs(const char *out, long bytes)
{
	Img im;
	img_init(&im, ARCH_X86_32);
	im.stream = open_stream(out);
	const int npairs = 1000;
	emit_head(&im, 0, 1);
	emit_task(&im, "bench");
	emit_ft(&im, 2 * npairs);
	long pair_size = 0;
	for (int i = 0; i < npairs; i++) {
		Pair p = pair_def();
		p.m.index = p.s.index = (u32)i;
		if (i % 3 == 1)
			make_raw(&p.s);
		long before = im.pos;
		int fs[1] = {2 * i}, fm[1] = {2 * i + 1};
		emit_pty_file(&im, &p, 0, 1, fs);
		emit_pty_file(&im, &p, 1, 1, fm);
		if (!pair_size)
			pair_size = im.pos - before;
		long left = npairs - i; /* pairs including this one still to be followed by an opaque */
		long room = bytes - im.pos - (long)sizeof(T_TAIL) - (left - 1) * pair_size;
		long per = room / left - 2 * (long)sizeof(struct ckpt_hdr) - 8;
		if (per > 0) {
			add(&im, mk_opaque(HDR_PGARR, 8, (u32)i));
			add(&im, mk_opaque(HDR_BUFFER, (size_t)per, (u32)i));
		}
	}
	emit_tail(&im);
	close_stream(im.stream, out);
	fprintf(stderr, "%s: %ld bytes, %d pty pairs\n", out, im.pos, npairs);
}

/* bench-small: ~1e6 small records (opaque + OBJREF/FILE/FILE_NAME/FILE_DESC groups) and 100 pty pairs */
static void bench_small(const char *out, long bytes)
{
	Img im;
	img_init(&im, ARCH_X86_32);
	im.stream = open_stream(out);
	const long target = 1000000;
	const size_t namelen = strlen("/var/log/f0000000") + 1;
	/* one cycle = 4 opaque records of len 8+L + OBJREF + FILE(generic) + FILE_NAME + FILE_DESC */
	long fixed = (long)(sizeof(T_OBJREF) + sizeof(struct ckpt_hdr_file_generic) + sizeof(struct ckpt_hdr) +
			    namelen + sizeof(T_FD) + 4 * sizeof(struct ckpt_hdr));
	long L = (bytes * 8 / target - fixed) / 4;
	if (L < 0)
		L = 0;
	long cycle = fixed + 4 * L;
	const int npairs = 100;
	const long pair_size = 1508; /* two files on one pair with the default ttys (both LDISC+BUFFER) */
	long ncycles = (bytes - 2048 - npairs * pair_size) / cycle;
	if (ncycles < 1)
		ncycles = 1;
	long every = ncycles / npairs > 0 ? ncycles / npairs : 1;
	emit_head(&im, 0, 1);
	emit_task(&im, "bench");
	emit_ft(&im, (int)(ncycles + 2 * npairs));
	static const u32 types[4] = {HDR_VMA, HDR_TASK_OBJS, HDR_RESTART_BLOCK, HDR_SIGNAL_TASK};
	long nrec = 0;
	int fd = 0, pairs = 0;
	char nm[32];
	for (long c = 0; c < ncycles; c++) {
		if (c % every == every / 2 && pairs < npairs) {
			Pair p = pair_def();
			p.m.index = p.s.index = (u32)pairs++;
			int fs[1] = {fd++}, fm[1] = {fd++};
			emit_pty_file(&im, &p, 0, 1, fs);
			emit_pty_file(&im, &p, 1, 1, fm);
			nrec += 14;
		}
		for (int k = 0; k < 4; k++)
			add(&im, mk_opaque(types[k], (size_t)L, (u32)(c * 4 + k)));
		snprintf(nm, sizeof(nm), "/var/log/f%07ld", c % 10000000);
		s32 F = im.next_ref++;
		add(&im, mk_objref(OBJ_FILE, F));
		Rec *f = rec_new(K_FILE, HDR_FILE, sizeof(struct ckpt_hdr_file_generic));
		FSET(f, T_FILE, f_type, FILE_GENERIC);
		FSET(f, T_FILE, f_mode, 0x1d);
		FSET(f, T_FILE, f_flags, 0);
		add(&im, f);
		add(&im, rec_payload(K_FNAME, HDR_FILE_NAME, nm, namelen));
		emit_fdesc(&im, F, fd++);
		nrec += 8;
	}
	emit_tail(&im);
	close_stream(im.stream, out);
	fprintf(stderr, "%s: %ld bytes, ~%ld records, %d pty pairs\n", out, im.pos, nrec + 12, pairs);
}

/* ------------------------------------------------------------------------------------------ */

static void mkdir_p(const char *d)
{
	if (mkdir(d, 0755) != 0 && errno != EEXIST) {
		perror(d);
		exit(2);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: ckpt-gen cases OUTDIR\n"
			"       ckpt-gen bench-pairs OUT BYTES\n"
			"       ckpt-gen bench-small OUT BYTES\n"
			"       ckpt-gen sample OUT\n");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "cases")) {
		snprintf(g_outdir, sizeof(g_outdir), "%s", argv[2]);
		mkdir_p(g_outdir);
		valid_cases();
		warn_cases();
		scenario_cases();
		bad_cases();
		char path[8192];
		snprintf(path, sizeof(path), "%s/index.json", g_outdir);
		FILE *f = fopen(path, "w");
		if (!f) {
			perror(path);
			return 2;
		}
		fprintf(f, "[\n");
		for (int i = 0; i < g_nnames; i++)
			fprintf(f, "  \"%s\"%s\n", g_names[i], i + 1 < g_nnames ? "," : "");
		fprintf(f, "]\n");
		fclose(f);
		fprintf(stderr, "%d cases written to %s\n", g_nnames, g_outdir);
		return 0;
	}
	if (!strcmp(argv[1], "bench-pairs") || !strcmp(argv[1], "bench-small")) {
		if (argc < 4)
			usage();
		char *end;
		long bytes = strtol(argv[3], &end, 0);
		if (*end == 'K' || *end == 'k')
			bytes <<= 10;
		else if (*end == 'M' || *end == 'm')
			bytes <<= 20;
		else if (*end == 'G' || *end == 'g')
			bytes <<= 30;
		if (bytes < 4096)
			bytes = 4096;
		if (argv[1][6] == 'p')
			bench_pairs(argv[2], bytes);
		else
			bench_small(argv[2], bytes);
		return 0;
	}
	if (!strcmp(argv[1], "sample")) {
		Img im;
		Pair p = pair_def();
		p.m.index = p.s.index = 3;
		base_pair(&im, ARCH_X86_32, &p);
		char json[8192];
		size_t n = strlen(argv[2]);
		if (n > 5 && !strcmp(argv[2] + n - 5, ".ckpt"))
			snprintf(json, sizeof(json), "%.*s.json", (int)(n - 5), argv[2]);
		else
			snprintf(json, sizeof(json), "%s.json", argv[2]);
		img_save(&im, argv[2], json);
		img_free(&im);
		return 0;
	}
	usage();
	return 1;
}
