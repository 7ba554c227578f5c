"""Confinement of a query process: no network sockets (seccomp), bounded memory, dies with its parent.

The endpoint's query processes run untrusted SPARQL in Oxigraph, whose engine can fetch
other URLs (``SERVICE``). The guard refuses ``SERVICE`` from a parse of the query; this
module makes the process unable to open an internet socket at all, so a query the parser
missed still cannot reach the network. Linux only (x86_64 and aarch64); elsewhere
``deny_network`` returns False and the parse is the only barrier.
"""
from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import sys

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_EACCES = 0x00050000 | 13      # SECCOMP_RET_ERRNO | EACCES
_AF_UNIX = 1
# arch -> (AUDIT_ARCH, socket, io_uring_setup, x32 bit or 0)
_ARCH = {"x86_64": (0xC000003E, 41, 425, 0x40000000), "aarch64": (0xC00000B7, 198, 425, 0)}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _program(arch: str) -> list[tuple[int, int, int, int]]:
    """The BPF program: refuse socket() of any family but AF_UNIX, and io_uring (it can open sockets too)."""
    audit, nr_socket, nr_uring, x32 = _ARCH[arch]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06      # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    code: list[tuple] = [
        (ld, None, None, 4),                        # seccomp_data.arch
        (jeq, "native", "deny", audit),             # a foreign ABI (e.g. i386 on x86_64): refuse
        ("native",),
        (ld, None, None, 0),                        # seccomp_data.nr
        *([(jge, "deny", None, x32)] if x32 else []),   # the x32 ABI: refuse
        (jeq, "family", None, nr_socket),
        (jeq, "deny", None, nr_uring),
        (ret, None, None, _RET_ALLOW),
        ("family",),
        (ld, None, None, 16),                       # socket(): args[0], the address family
        (jeq, "allow", "deny", _AF_UNIX),
        ("deny",),
        (ret, None, None, _RET_EACCES),
        ("allow",),
        (ret, None, None, _RET_ALLOW),
    ]
    labels, pc = {}, 0
    for ins in code:
        if len(ins) == 1:
            labels[ins[0]] = pc
        else:
            pc += 1
    prog, pc = [], 0
    for ins in code:
        if len(ins) == 1:
            continue
        op, jt, jf, k = ins
        prog.append((op, labels[jt] - pc - 1 if jt else 0, labels[jf] - pc - 1 if jf else 0, k))
        pc += 1
    return prog


def deny_network() -> bool:
    """Forbid this process (and its threads and children) from opening non-Unix sockets; False if unsupported."""
    arch = platform.machine()
    if not sys.platform.startswith("linux") or arch not in _ARCH:
        return False
    prog = _program(arch)
    filters = (_Filter * len(prog))(*[_Filter(*ins) for ins in prog])
    fprog = _Prog(len(prog), filters)
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


def die_with_parent(parent_pid: int) -> None:
    """Be killed when the process that started this one dies (even by kill -9): no orphan engine."""
    if sys.platform.startswith("linux"):
        _libc().prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:   # the parent died before the line above
        os._exit(1)


def limit_memory(extra_bytes: int) -> None:
    """Cap this process's address space at what it uses now plus ``extra_bytes``."""
    with open("/proc/self/statm", "rb") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    limit = used + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
