#!/usr/bin/env python3
"""The eojobs kernel: Deno's Jupyter kernel behind a thin Jupyter-protocol proxy that hands it one
execute request at a time.

Deno 2.9's kernel stamps an output published from its evaluation thread with whichever request is
current at that moment. When a browser's Run All queues every cell at once, a cell's late result
can arrive under the next cell (5 of 20 Run All rounds of a 24-cell notebook; 0 of 10 sent one at
a time). The proxy passes every message through unchanged (same key, same signatures) but holds
each execute request until the previous one has replied, reported `idle`, and its output channel
has been quiet for a moment, so that every output is stamped with its own cell.

Usage (in kernel.json): kernel_proxy.py DENO CONNECTION_FILE
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque

import zmq

DELIMITER = b"<IDS|MSG>"
# Quiet time on the output channel after `idle` before the next cell goes in: the Deno kernel's
# late outputs come within a few milliseconds of `idle`; this leaves a wide margin.
DRAIN_S = 0.2


def free_port(ip):
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def parse(frames, content=False):
    """The header and parent header (and content) of a Jupyter message, or Nones."""
    try:
        i = frames.index(DELIMITER)
        parsed = [json.loads(frames[i + 2]), json.loads(frames[i + 3])]
        if content:
            parsed.append(json.loads(frames[i + 5]))
        return parsed
    except (ValueError, IndexError, json.JSONDecodeError):
        return [None] * (3 if content else 2)


def die_with_parent():
    """Linux: the kernel is killed with the proxy (Jupyter ends a kernel with SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_kernel(deno, outer, ip, attempts=5):
    """Starts Deno's kernel on free ports of its own; a port taken between choosing it and the
    kernel binding it (another kernel starting at the same moment) means new ports and a retry."""
    for _ in range(attempts):
        inner = dict(outer)
        for name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
            inner[name] = free_port(ip)
        fd, inner_file = tempfile.mkstemp(prefix="eojobs-kernel-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(inner, f)
        # --quiet: without it every start prints that "deno jupyter" is unstable, and a cell's
        # first npm import prints a line per package; errors still print.
        child = subprocess.Popen(
            [deno, "jupyter", "--kernel", "--quiet", "--conn", inner_file],
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 60
        while child.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection((ip, inner["shell_port"]), timeout=0.5).close()
                return inner, inner_file, child
            except OSError:
                time.sleep(0.05)
        if child.poll() is None:
            child.kill()
        os.unlink(inner_file)
    sys.exit("eojobs kernel: Deno's kernel did not start")


def split(frames):
    """The routing identities and the message itself (from the delimiter on)."""
    i = frames.index(DELIMITER)
    return frames[:i], frames[i:]


def main():
    deno, connection_file = sys.argv[1], sys.argv[2]
    with open(connection_file) as f:
        outer = json.load(f)
    ip, transport = outer.get("ip", "127.0.0.1"), outer.get("transport", "tcp")

    def url(conn, name):
        return f"{transport}://{conn['ip']}:{conn[name]}"

    ctx = zmq.Context()
    identity = f"eojobs-proxy-{os.getpid()}".encode()

    # The client's ports are bound first: held by the proxy, they cannot be handed out again as
    # the kernel's own ports a moment later.
    def front(kind, name):
        s = ctx.socket(kind)
        s.bind(url(outer, name))
        return s

    shell_f, control_f, stdin_f, hb_f = (
        front(zmq.ROUTER, n) for n in ("shell_port", "control_port", "stdin_port", "hb_port")
    )
    iopub_f = front(zmq.PUB, "iopub_port")
    inner, inner_file, child = start_kernel(deno, outer, ip)

    def back(kind, name):
        s = ctx.socket(kind)
        if kind == zmq.DEALER:
            s.setsockopt(zmq.IDENTITY, identity)
        s.connect(url(inner, name))
        return s

    shell_b, control_b, stdin_b, hb_b = (
        back(zmq.DEALER, n) for n in ("shell_port", "control_port", "stdin_port", "hb_port")
    )
    iopub_b = back(zmq.SUB, "iopub_port")
    iopub_b.setsockopt(zmq.SUBSCRIBE, b"")
    threading.Thread(target=zmq.proxy, args=(hb_f, hb_b), daemon=True).start()

    def interrupt(signum, _frame):
        # Jupyter interrupts a kernel with SIGINT: it is the child's to handle.
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())

    # Deno's kernel keeps only its own peer's identity on a reply, so the client's identities are
    # kept here, by request, and put back on each reply and on each input request.
    routes = {}

    def inward(frames):
        ids, message = split(frames)
        header, _ = parse(frames)
        if header:
            routes[header["msg_id"]] = ids
        return message

    def outward(frames):
        ids, message = split(frames)
        _, parent = parse(frames)
        back = routes.get(parent.get("msg_id")) if parent else None
        return (back if back is not None else ids) + message

    waiting = deque()
    current = None  # msg_id of the execute request the kernel is working on
    replied = idle = False
    last_output = 0.0

    def release():
        nonlocal current, replied, idle
        while waiting and current is None:
            frames = waiting.popleft()
            header, _ = parse(frames)
            current, replied, idle = header["msg_id"], False, False
            shell_b.send_multipart(inward(frames))

    poller = zmq.Poller()
    for s in (shell_f, shell_b, control_f, control_b, stdin_f, stdin_b, iopub_b):
        poller.register(s, zmq.POLLIN)
    try:
        while child.poll() is None:
            events = dict(poller.poll(20))
            if shell_f in events:
                frames = shell_f.recv_multipart()
                header, _ = parse(frames)
                if header and header.get("msg_type") == "execute_request":
                    waiting.append(frames)
                    release()
                else:
                    shell_b.send_multipart(inward(frames))
            if shell_b in events:
                frames = shell_b.recv_multipart()
                header, parent = parse(frames)
                if header and header.get("msg_type") == "execute_reply" and parent and \
                        parent.get("msg_id") == current:
                    replied = True
                shell_f.send_multipart(outward(frames))
                # An execute request's route stays until it is done: input requests may follow.
                done = parent.get("msg_id") if parent else None
                if header and header.get("msg_type", "").endswith("_reply") and done != current:
                    routes.pop(done, None)
            if control_f in events:
                control_b.send_multipart(inward(control_f.recv_multipart()))
            if control_b in events:
                frames = control_b.recv_multipart()
                control_f.send_multipart(outward(frames))
                _, parent = parse(frames)
                if parent:
                    routes.pop(parent.get("msg_id"), None)
            if stdin_f in events:
                stdin_b.send_multipart(inward(stdin_f.recv_multipart()))
            if stdin_b in events:
                stdin_f.send_multipart(outward(stdin_b.recv_multipart()))
            if iopub_b in events:
                frames = iopub_b.recv_multipart()
                header, parent, content = parse(frames, content=True)
                if parent and parent.get("msg_id") == current:
                    last_output = time.monotonic()
                    if header.get("msg_type") == "status" and \
                            content.get("execution_state") == "idle":
                        idle = True
                iopub_f.send_multipart(frames)
            if current is not None and replied and idle and \
                    time.monotonic() - last_output >= DRAIN_S:
                routes.pop(current, None)
                current = None
                release()
    finally:
        try:
            os.unlink(inner_file)
        except OSError:
            pass
        for s in (shell_f, shell_b, control_f, control_b, stdin_f, stdin_b, iopub_f, iopub_b):
            s.close(linger=0)
    sys.exit(child.returncode or 0)


if __name__ == "__main__":
    main()
