"""The gunicorn configuration's cap on malloc arenas: read from the environment, and in force."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from snapassist.errors import ConfigError
from snapassist.web import gunicorn_conf

REPO = Path(__file__).resolve().parents[1]


def test_the_arena_cap_defaults_to_2_and_is_read_from_the_environment():
    assert gunicorn_conf.build_settings({})["malloc_arenas"] == 2
    assert gunicorn_conf.build_settings({"SNAPASSIST_MALLOC_ARENAS": "4"})["malloc_arenas"] == 4
    assert gunicorn_conf.build_settings({"SNAPASSIST_MALLOC_ARENAS": "0"})["malloc_arenas"] == 0
    assert gunicorn_conf.limit_malloc_arenas(0) is False


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_bad_arena_cap_is_refused_naming_it(value):
    with pytest.raises(ConfigError, match=rf"SNAPASSIST_MALLOC_ARENAS must be a whole number "
                                          rf"\(0 for no limit\), got '{value}'"):
        gunicorn_conf.build_settings({"SNAPASSIST_MALLOC_ARENAS": value})


#: Child code: cap the arenas (or not), make threads allocate at once, count
#: the arenas malloc_info(3) reports.
_ARENAS = textwrap.dedent("""
    import ctypes, re, sys, threading
    from snapassist.web.gunicorn_conf import limit_malloc_arenas
    if not sys.platform.startswith("linux"):
        print("skip"); sys.exit()
    print(limit_malloc_arenas({cap}))
    libc = ctypes.CDLL(None)
    start = threading.Barrier(16)

    def churn():
        start.wait()
        for _ in range(200):
            keep = [bytearray(4000) for _ in range(100)]
            del keep

    threads = [threading.Thread(target=churn) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    import os, tempfile
    libc.fdopen.restype = ctypes.c_void_p
    libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    fd, path = tempfile.mkstemp()
    stream = libc.fdopen(fd, b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    text = open(path).read()
    os.unlink(path)
    print(len(re.findall(r'<heap nr="', text)))
""")


def test_the_cap_holds_when_many_threads_allocate_at_once():
    run = subprocess.run([sys.executable, "-c", _ARENAS.format(cap=2)], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0, run.stderr
    if run.stdout.strip() == "skip":
        pytest.skip("malloc arenas are glibc's (Linux)")
    applied, heaps = run.stdout.split()
    if applied != "True":
        pytest.skip("this C library has no mallopt(M_ARENA_MAX)")
    assert 1 <= int(heaps) <= 2
