# Runs a command with its stdout or its stderr on a real pty (the other to /dev/null or a pipe),
# and prints what reached the pty and the exit status as JSON: {"tty": ..., "code": ...}.
import os, pty, sys, json, subprocess
# argv: which(stdout|stderr) cmd...
which = sys.argv[1]; cmd = sys.argv[2:]
m, s = pty.openpty()
dn = open(os.devnull, 'wb')
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=(s if which == 'stdout' else dn), stderr=(s if which == 'stderr' else subprocess.PIPE))
os.close(s)
buf = b''
while True:
    try:
        d = os.read(m, 65536)
    except OSError:
        break
    if not d: break
    buf += d
code = p.wait()
print(json.dumps({"tty": buf.decode('latin1'), "code": code}))
