"""The worker's audit hook: refuse sockets, process spawning, native-code loading,
signals to other processes, writes outside scratch, and reads of the host's
home directory and other processes' /proc entries.

Installed in both sandboxes. Under bwrap it is a second layer; under the
``process`` sandbox it is the main one, and only best-effort: Python audit
hooks are not a security boundary against code that reaches native memory.
They do stop what planted instructions typically ask for (``curl | sh``,
``socket.connect``, ``open("~/.aws/credentials")``, ``os.kill(ppid)``).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import Any, Sequence

REFUSED = frozenset({
    "socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn",
    "os.startfile", "os.killpg", "os.setuid", "os.setgid", "os.chroot",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.cdata", "ctypes.addressof",
    "ctypes.string_at", "ctypes.wstring_at", "ctypes.call_function",
    "webbrowser.open", "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect",
    "poplib.connect", "imaplib.open", "nntplib.connect", "telnetlib.Telnet.open",
    "sys.remote_exec",
})
WRITE_PATH_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.chmod": (0,), "os.chown": (0,),
                     "os.truncate": (0,), "os.utime": (0,), "shutil.rmtree": (0,), "os.setxattr": (0,),
                     "os.removexattr": (0,), "os.rename": (0, 1), "os.link": (0, 1), "os.symlink": (1,),
                     "shutil.copyfile": (1,), "shutil.copytree": (1,), "shutil.move": (0, 1), "os.mkfifo": (0,),
                     "os.mknod": (0,)}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PROC_PID = re.compile(r"^/proc/(\d+)(/|$)")


class SandboxViolation(PermissionError):
    """What a refused operation raises in the cell."""


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def install(scratch: str, deny_read: Sequence[str], allow_read: Sequence[str]) -> None:
    """Install the hook for the rest of the process's life (audit hooks cannot be removed)."""
    scratch = os.path.realpath(scratch)
    writable = [scratch, "/dev/null"]
    deny = [os.path.realpath(p) for p in deny_read if p]
    allow = [os.path.realpath(p) for p in allow_read if p] + [scratch]
    me = os.getpid()
    main_ident = threading.main_thread().ident
    watched = REFUSED | set(WRITE_PATH_EVENTS) | {"open", "os.kill", "signal.pthread_kill"}
    realpath, fspath = os.path.realpath, os.fspath

    def refuse(what: str) -> None:
        raise SandboxViolation(f"sandbox: {what} is not allowed in the REPL")

    def resolve(p: Any) -> str | None:
        if isinstance(p, int) or p is None:
            return None  # an already open descriptor
        try:
            p = fspath(p)
        except TypeError:
            return None
        if isinstance(p, bytes):
            p = p.decode(sys.getfilesystemencoding(), "surrogateescape")
        return realpath(p)

    def hook(event: str, args: tuple) -> None:
        if event not in watched:
            return
        if event in REFUSED:
            refuse(event.replace(".__new__", "").replace("os.", "").replace("socket", "network access (socket)"))
        if event == "open":
            path = resolve(args[0])
            if path is None:
                return
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & WRITE_FLAGS)
            if writes and not _under(path, writable):
                refuse(f"writing {path} (only the scratch directory is writable)")
            if _under(path, deny) and not _under(path, allow):
                refuse(f"reading {path}")
            m = _PROC_PID.match(path)
            if m and int(m.group(1)) != me:
                refuse(f"reading another process's {path}")
        elif event == "os.kill":
            if args[0] not in (0, me):
                refuse("signalling another process")
        elif event == "signal.pthread_kill":
            if args[0] != main_ident and threading.get_ident() != args[0]:
                refuse("signalling a thread")
        else:
            for i in WRITE_PATH_EVENTS[event]:
                if i < len(args):
                    path = resolve(args[i])
                    if path is not None and not _under(path, writable):
                        refuse(f"{event.split('.')[-1]} on {path} (only the scratch directory is writable)")

    sys.addaudithook(hook)
