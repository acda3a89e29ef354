# A process that holds a pty pair in a known state, for the capture tests. It sets the state with
# real ioctls, then reports what the kernel answers (the golden values: TIOCGPTN, TCGETS, TIOCGWINSZ,
# TIOCGPKT, TIOCGPTLCK, TIOCGEXCL, FIONREAD) as one JSON line, and again for every line "state" on
# stdin. "drain" reads both queues and reports their bytes (hex); EOF on stdin ends it.
# Usage: python3 pty-holder.py [--master-only | --slave-only | --shared]
import os, sys, json, fcntl, struct, termios, time, select

TIOCGPTN = 0x80045430; TIOCSPTLCK = 0x40045431; TIOCGPTLCK = 0x80045439; TIOCGPKT = 0x80045438
TIOCGEXCL = 0x80045440; TCGETS = 0x5401; TCSETS = 0x5402; TIOCPKT = 0x5420; TIOCEXCL = 0x540C
TIOCSWINSZ = 0x5414; TIOCGWINSZ = 0x5413; FIONREAD = 0x541B

def geti(fd, req):
    return struct.unpack('i', fcntl.ioctl(fd, req, b'\0' * 4))[0]

m = os.open('/dev/ptmx', os.O_RDWR | os.O_NOCTTY)
fcntl.ioctl(m, TIOCSPTLCK, struct.pack('i', 0))
idx = geti(m, TIOCGPTN)
s = os.open('/dev/pts/%d' % idx, os.O_RDWR | os.O_NOCTTY)

# termios: ICANON on, ECHO off, ISIG on, ICRNL off, IXON on, IUTF8 on; VINTR ^G, VQUIT ^X, VERASE ^H,
# VKILL ^K, VEOF ^A, VEOL '#', VSTART ^Q, VSTOP ^S
t = list(struct.unpack('4IB19s', fcntl.ioctl(s, TCGETS, b'\0' * 36)))
t[0] = (t[0] & ~0o400) | 0o2000 | 0o40000
t[3] = (t[3] & ~0o10) | 0o2 | 0o1
cc = bytearray(t[5])
cc[0], cc[1], cc[2], cc[3], cc[4], cc[11] = 7, 24, 8, 11, 1, ord('#')
t[5] = bytes(cc)
fcntl.ioctl(s, TCSETS, struct.pack('4IB19s', *t))
fcntl.ioctl(m, TIOCSWINSZ, struct.pack('4H', 33, 101, 707, 909))
fcntl.ioctl(m, TIOCPKT, struct.pack('i', 1))
fcntl.ioctl(s, TIOCEXCL)
# queued input: a complete line and a partial one; queued output for the master
os.write(m, b'hello world\npartial')
os.write(s, b'out put\n')

def settle():
    # the line discipline processes writes asynchronously: wait until the counts stop changing
    last, same = None, 0
    for _ in range(2000):
        now = (geti(s, FIONREAD), geti(m, FIONREAD))
        same = same + 1 if now == last else 0
        last = now
        if same >= 20 and now[0] > 0 and now[1] > 0: return
        time.sleep(0.002)
settle()
fcntl.ioctl(m, TIOCSPTLCK, struct.pack('i', 1))

def state():
    t = struct.unpack('4IB19s', fcntl.ioctl(s, TCGETS, b'\0' * 36))
    return {
        'pid': os.getpid(), 'master_fd': m, 'slave_fd': s, 'index': geti(m, TIOCGPTN),
        'termios': {'c_iflag': t[0], 'c_oflag': t[1], 'c_cflag': t[2], 'c_lflag': t[3], 'c_line': t[4], 'c_cc': list(t[5])},
        'winsize': list(struct.unpack('4H', fcntl.ioctl(s, TIOCGWINSZ, b'\0' * 8))),
        'packet': geti(m, TIOCGPKT), 'locked': geti(m, TIOCGPTLCK), 'exclusive': geti(s, TIOCGEXCL),
        'input_count': geti(s, FIONREAD), 'output_count': geti(m, FIONREAD),
    }

def drain():
    out = b''
    os.set_blocking(m, False)
    while select.select([m], [], [], 0.2)[0]:
        try: b = os.read(m, 65536)
        except OSError: break
        if not b: break
        out += b
    t = list(struct.unpack('4IB19s', fcntl.ioctl(s, TCGETS, b'\0' * 36)))
    t[3] &= ~0o2
    cc = bytearray(t[5]); cc[5], cc[6] = 0, 0; t[5] = bytes(cc)
    fcntl.ioctl(s, TCSETS, struct.pack('4IB19s', *t))
    os.set_blocking(s, False)
    inp = b''
    while True:
        try: b = os.read(s, 65536)
        except OSError: break
        if not b: break
        inp += b
    return {'output': out.hex(), 'input': inp.hex()}

mode = sys.argv[1] if len(sys.argv) > 1 else ''
st = state()
if mode == '--master-only': os.close(s)
if mode == '--shared':
    # a second process holds the pair as well (as a forked child keeps its parent's fds)
    r, w = os.pipe()
    if os.fork() == 0:
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    os.close(r)
if mode == '--slave-only':
    # the master stays open in a child (closing the last master fd would hang up the slave), as a
    # terminal emulator or sshd holds it for a shell; the child ends when this process does
    r, w = os.pipe()
    if os.fork() == 0:
        os.close(w); os.close(s)
        os.read(r, 1)
        os._exit(0)
    os.close(r); os.close(m)
print(json.dumps(st), flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == 'state': print(json.dumps(state()), flush=True)
    elif cmd == 'drain': print(json.dumps(drain()), flush=True)
