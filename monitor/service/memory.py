"""Fewer malloc arenas for the polling commands.

glibc's malloc gives threads their own arenas (up to eight per core) and keeps what is freed in
each for reuse. The daemon's threads (the state's writes, the default executor) each grow one
while a first cycle polls thousands of feeds, and hold it afterwards: at 50,000 feeds, 20 MB of
free memory in arenas the main thread never uses. Two arenas bound that, at no measured cost in
CPU, since the threads take turns under the GIL anyway (docs/performance.md).
"""

import ctypes
import os

ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask malloc for at most `arenas` arenas, before any thread starts; True if it took the
    setting. False where the C library is not glibc (no `mallopt`), or where the user set
    `MALLOC_ARENA_MAX` themselves: theirs wins."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))
