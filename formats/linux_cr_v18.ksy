meta:
  id: linux_cr_v18
  title: Linux-CR v18 checkpoint image (kernel checkpoint/restart patch series v18, 2009)
  file-extension: ckpt
  license: MIT
  endian:
    # Every field is in the producing machine's byte order except header.arch_id, which the
    # kernel writes with cpu_to_le16 so that a reader can pick the order before anything else.
    switch-on: arch_id
    cases:
      'arch_id::x86_32': le
      'arch_id::s390x': be
      'arch_id::ppc32': be
      'arch_id::ppc64': be
doc: |
  The image is a flat, unaligned stream of records. Each record starts with
  ckpt_hdr {u32 type; u32 len} where len counts the 8 header bytes too, so any
  record, known or not, is skipped by len. Shared objects are introduced in-line
  by an OBJREF record immediately followed by the object's own record(s).

  Tools normally walk the framing themselves and run `record` on the records
  they decode; the top-level seq parses a whole (small) stream in one go.
  Numbering tables here are those of v18 (header rev 2) only.
doc-ref: Linux-CR v18 patches 20/80 (framing), 34/80 (files), 72/80 (tty)
seq:
  - id: records
    type: record
    repeat: eos
instances:
  arch_id:
    pos: 16
    type: u2le
    enum: arch_id
types:
  record:
    seq:
      - id: h
        type: ckpt_hdr
      - id: body
        size: h.len - 8
        type:
          switch-on: h.type
          cases:
            'hdr_type::header': hdr_header
            'hdr_type::header_arch': hdr_header_arch
            'hdr_type::buffer': hdr_buffer
            'hdr_type::string': hdr_string
            'hdr_type::objref': hdr_objref
            'hdr_type::tree': hdr_tree
            'hdr_type::file_table': hdr_file_table
            'hdr_type::file_desc': hdr_file_desc
            'hdr_type::file_name': hdr_string
            'hdr_type::file': hdr_file
            'hdr_type::tty': hdr_tty
            'hdr_type::tty_ldisc': hdr_ldisc_n_tty
            'hdr_type::signal': hdr_signal
            'hdr_type::tail': hdr_tail
            'hdr_type::error': hdr_error
        doc: |
          The payload. Record types without a decoder here (task, memory, ipc,
          credentials, sockets...) stay opaque bytes: a walker skips them by len.

  ckpt_hdr:
    seq:
      - id: type
        type: u4
        enum: hdr_type
      - id: len
        type: u4
        doc: Total record length in bytes, including these 8 header bytes.

  hdr_header:
    doc: struct ckpt_hdr_header (len 72), payload after the 8-byte ckpt_hdr.
    seq:
      - id: magic
        type: u8
        doc: CHECKPOINT_MAGIC_HEAD 0x00feed0cc0a2d200
      - id: arch_id
        type: u2le
        enum: arch_id
        doc: Always little-endian (cpu_to_le16).
      - id: major
        type: u2
      - id: minor
        type: u2
      - id: patch
        type: u2
      - id: rev
        type: u2
        doc: CHECKPOINT_VERSION; 2 in v18.
      - id: pad0
        size: 6
      - id: constants
        type: ckpt_const
      - id: time
        type: u8
      - id: uflags
        type: u8
        doc: checkpoint(2) flags; CHECKPOINT_SUBTREE = 0x1.

  ckpt_const:
    doc: struct ckpt_const, aligned(8), 24 bytes.
    seq:
      - id: task_comm_len
        type: u2
      - id: mm_saved_auxv_len
        type: u2
      - id: signal_nsig
        type: u2
      - id: uts_sysname_len
        type: u2
      - id: uts_nodename_len
        type: u2
      - id: uts_release_len
        type: u2
      - id: uts_version_len
        type: u2
      - id: uts_machine_len
        type: u2
      - id: uts_domainname_len
        type: u2
      - id: rlimit_nlimits
        type: u2
      - id: n_tty_buf_size
        type: u2
      - id: tty_termios_ncc
        type: u2

  hdr_header_arch:
    doc: |
      x86: struct ckpt_hdr_header_arch (len 16). s390: a bare ckpt_hdr (len 8),
      so every field is optional on the payload size.
    seq:
      - id: has_fxsr
        type: u2
        if: _io.size >= 2
      - id: has_xsave
        type: u2
        if: _io.size >= 4
      - id: xstate_size
        type: u2
        if: _io.size >= 6
      - id: pading
        type: u2
        if: _io.size >= 8

  hdr_buffer:
    seq:
      - id: data
        size-eos: true

  hdr_string:
    doc: STRING and FILE_NAME payloads; the writer includes the terminating NUL.
    seq:
      - id: data
        size-eos: true

  hdr_objref:
    doc: struct ckpt_hdr_objref (len 16).
    seq:
      - id: objtype
        type: u4
        enum: obj_type
      - id: objref
        type: s4

  hdr_tree:
    doc: struct ckpt_hdr_tree (len 16); a BUFFER of nr_tasks ckpt_pids follows.
    seq:
      - id: nr_tasks
        type: s4
      - id: pad0
        size: 4

  ckpt_pids:
    doc: struct ckpt_pids, aligned(8), 24 bytes; the pids BUFFER holds an array of these.
    seq:
      - id: vpid
        type: s4
      - id: vppid
        type: s4
      - id: vtgid
        type: s4
      - id: vpgid
        type: s4
      - id: vsid
        type: s4
      - id: pad0
        size: 4

  hdr_file_table:
    doc: struct ckpt_hdr_file_table (len 16).
    seq:
      - id: fdt_nfds
        type: s4
      - id: pad0
        size: 4

  hdr_file_desc:
    doc: struct ckpt_hdr_file_desc (len 24).
    seq:
      - id: fd_objref
        type: s4
      - id: fd_descriptor
        type: s4
      - id: fd_close_on_exec
        type: u4
      - id: pad0
        size: 4

  hdr_file:
    doc: |
      struct ckpt_hdr_file (common, 40 bytes with its header) and its
      specialisations: generic (40), pipe/socket/tty (48: common + s32 objref + pad).
    seq:
      - id: f_type
        type: u4
        enum: file_type
      - id: f_mode
        type: u4
      - id: f_flags
        type: u4
      - id: f_credref
        type: s4
      - id: f_pos
        type: u8
      - id: f_version
        type: u8
      - id: tty_objref
        type: s4
        if: f_type == file_type::tty and _io.size >= 36
      - id: pipe_objref
        type: s4
        if: f_type == file_type::pipe and _io.size >= 36
      - id: sock_objref
        type: s4
        if: f_type == file_type::socket and _io.size >= 36
      - id: pad0
        size: 4
        if: (f_type == file_type::tty or f_type == file_type::pipe or f_type == file_type::socket) and _io.size >= 40
        doc: The specialised structs inherit alignment 8 from `common`, so sizeof is 48.

  hdr_tty:
    doc: struct ckpt_hdr_tty (len 72).
    seq:
      - id: driver_type
        type: u2
        enum: tty_driver_type
      - id: driver_subtype
        type: u2
        enum: pty_type
      - id: link_objref
        type: s4
      - id: file_objref
        type: s4
      - id: padding
        type: u4
      - id: index
        type: u4
      - id: ldisc
        type: u4
      - id: flags
        type: u8
        doc: tty->flags (unsigned long); bit n is 1 << n.
      - id: termios
        type: ckpt_termios
      - id: winsize
        type: ckpt_winsize

  ckpt_termios:
    doc: The termios part of ckpt_hdr_tty, aligned(8), 24 bytes; flag words truncated to 16 bits.
    seq:
      - id: c_iflag
        type: u2
      - id: c_oflag
        type: u2
      - id: c_cflag
        type: u2
      - id: c_lflag
        type: u2
      - id: c_line
        type: u1
      - id: c_cc
        type: u1
        repeat: expr
        repeat-expr: 8
      - id: pad0
        size: 7

  ckpt_winsize:
    doc: The winsize part of ckpt_hdr_tty, aligned(8), 8 bytes.
    seq:
      - id: ws_row
        type: u2
      - id: ws_col
        type: u2
      - id: ws_xpixel
        type: u2
      - id: ws_ypixel
        type: u2

  hdr_ldisc_n_tty:
    doc: |
      struct ckpt_hdr_ldisc_n_tty (len 560). When datalen > 0 the next record is
      a BUFFER of datalen bytes: the unread ring bytes, unwrapped from read_tail.
    seq:
      - id: column
        type: u4
      - id: datalen
        type: u4
      - id: canon_column
        type: u4
      - id: canon_datalen
        type: u4
      - id: canon_data
        type: u4
      - id: minimum_to_wake
        type: u2
      - id: stopped
        type: u1
      - id: hw_stopped
        type: u1
      - id: flow_stopped
        type: u1
      - id: packet
        type: u1
      - id: ctrl_status
        type: u1
      - id: lnext
        type: u1
      - id: erasing
        type: u1
      - id: raw
        type: u1
      - id: real_raw
        type: u1
      - id: icanon
        type: u1
      - id: closing
        type: u1
      - id: padding
        size: 3
      - id: read_flags
        size: 512
        doc: Raw copy of the kernel's unsigned long bitmap (native word order), one bit per ring position.
      - id: pad0
        size: 4

  ckpt_rlimit:
    seq:
      - id: rlim_cur
        type: u8
      - id: rlim_max
        type: u8

  hdr_signal:
    doc: struct ckpt_hdr_signal (len 328); only the tty fields matter for tty tooling.
    seq:
      - id: rlim
        type: ckpt_rlimit
        repeat: expr
        repeat-expr: 16
      - id: it_real_value
        type: u8
      - id: it_real_incr
        type: u8
      - id: it_virt_value
        type: u8
      - id: it_virt_incr
        type: u8
      - id: it_prof_value
        type: u8
      - id: it_prof_incr
        type: u8
      - id: tty_objref
        type: s4
      - id: tty_pgrp
        type: s4
      - id: tty_old_pgrp
        type: s4
      - id: pad0
        size: 4

  hdr_tail:
    doc: struct ckpt_hdr_tail (len 16).
    seq:
      - id: magic
        type: u8
        doc: CHECKPOINT_MAGIC_TAIL 0x002d2a0cc0deef00

  hdr_error:
    doc: A header-only record; a STRING with the message ('\0' + text + '\0') follows.
    seq: []

enums:
  arch_id:
    1: x86_32
    2: s390x
    3: ppc32
    4: ppc64

  hdr_type:
    1: header
    2: header_arch
    3: buffer
    4: string
    5: objref
    101: tree
    102: task
    103: task_ns
    104: task_objs
    105: restart_block
    106: thread
    107: cpu
    108: ns
    109: uts_ns
    110: ipc_ns
    111: capabilities
    112: user_ns
    113: cred
    114: user
    115: groupinfo
    116: task_creds
    201: cpu_fpu
    202: mm_context_ldt
    301: file_table
    302: file_desc
    303: file_name
    304: file
    305: pipe_buf
    306: tty
    307: tty_ldisc
    401: mm
    402: vma
    403: pgarr
    404: mm_context
    501: ipc
    502: ipc_shm
    503: ipc_msg
    504: ipc_msg_msg
    505: ipc_sem
    601: sighand
    602: signal
    603: signal_task
    604: sigpending
    701: socket
    702: socket_queue
    703: socket_buffer
    704: socket_unix
    9001: tail
    9999: error

  obj_type:
    0: ignore
    1: inode
    2: file_table
    3: file
    4: mm
    5: sighand
    6: signal
    7: ns
    8: uts_ns
    9: ipc_ns
    10: user_ns
    11: cred
    12: user
    13: groupinfo
    14: sock
    15: tty

  file_type:
    0: ignore
    1: generic
    2: pipe
    3: fifo
    4: socket
    5: tty

  tty_driver_type:
    1: system
    2: console
    3: serial
    4: pty
    5: scc
    6: syscons

  pty_type:
    1: master
    2: slave
