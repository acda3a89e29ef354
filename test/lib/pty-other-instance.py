# A process in a devpts instance of its own that holds its own /dev/pts/N, N the index a capture's
# target holds in the host's instance: every instance numbers from 0, so its pts/N has the same
# device number (136:N) and its master the same tty-index. Run it in a new mount namespace (unshare
# -m --propagation private): the instance is mounted on DIR there and goes when the namespace does.
# It opens the instance's own ptmx (DIR/ptmx, not /dev/ptmx, which reaches whatever devpts is on
# /dev/pts) until the index is N (a fresh instance hands out 0, 1, ... in turn), reports one JSON line
# once it holds the pty, and ends at EOF on stdin. What it holds of pts/N: "both" (slave and master,
# as a terminal emulator in a container does) or "master" (only the master).
# Usage: python3 pty-other-instance.py DIR N both|master
import os, sys, json, fcntl, struct, subprocess

TIOCSPTLCK = 0x40045431; TIOCGPTN = 0x80045430
LIMIT = 1024

path, want, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if not 0 <= want < LIMIT or hold not in ('both', 'master'):
    sys.exit('usage: pty-other-instance.py DIR N<%d both|master' % LIMIT)
subprocess.run(['mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0600', 'devpts', path], check=True)
masters = []
while True:
    m = os.open(os.path.join(path, 'ptmx'), os.O_RDWR | os.O_NOCTTY)
    masters.append(m)
    idx = struct.unpack('i', fcntl.ioctl(m, TIOCGPTN, b'\0' * 4))[0]
    if idx >= want or len(masters) > LIMIT: break
report = {'pid': os.getpid(), 'index': idx, 'master_fd': m}
if hold == 'both':
    fcntl.ioctl(m, TIOCSPTLCK, struct.pack('i', 0))
    s = os.open(os.path.join(path, str(idx)), os.O_RDWR | os.O_NOCTTY)
    st = os.fstat(s)
    report.update(slave_fd=s, dev=st.st_dev, rdev=st.st_rdev)
print(json.dumps(report), flush=True)
sys.stdin.read()
