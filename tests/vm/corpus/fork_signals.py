"""Processes the POSIX way: fork, pipes, waitpid, signals, socketpair, alarms."""
import os
import signal
import socket
import time

r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.write(w, b"child says hi")
    os._exit(7)
os.close(w)
msg = os.read(r, 100)
_, status = os.waitpid(pid, 0)
print("pipe:", msg.decode(), "exit:", os.waitstatus_to_exitcode(status))

got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
print("self signal:", got == [signal.SIGUSR1])

pid = os.fork()
if pid == 0:
    time.sleep(60)
    os._exit(0)
os.kill(pid, signal.SIGTERM)
_, status = os.waitpid(pid, 0)
print("child killed by:", signal.Signals(os.WTERMSIG(status)).name)

a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    a.close()
    data = b.recv(100)
    b.sendall(data[::-1])
    os._exit(0)
b.close()
a.sendall(b"olleh")
print("socketpair:", a.recv(100).decode())
os.waitpid(pid, 0)

fired = []
signal.signal(signal.SIGALRM, lambda s, f: fired.append(1))
signal.setitimer(signal.ITIMER_REAL, 0.05)
time.sleep(0.2)
print("alarm fired:", fired == [1])
print("process group:", os.getpgrp() > 0, "session:", os.getsid(0) >= 0)  # 0 under a kernel-made session (a VM's init)
import resource

rlim = resource.getrlimit(resource.RLIMIT_NOFILE)
print("nofile limit > 0:", rlim[0] > 0)
