"""Reading lock holders from /proc/locks."""

from __future__ import annotations

from installer.package_lock import lock_ids

PROC_LOCKS = """\
1: POSIX  ADVISORY  WRITE 812 fe:01:1835023 0 EOF
1: -> POSIX  ADVISORY  WRITE 990 fe:01:1835023 0 EOF
2: FLOCK  ADVISORY  WRITE 77 00:1a:301 0 EOF
3: OFDLCK ADVISORY  READ  -1 00:05:1234 0 EOF
"""


def test_holders_are_keyed_by_device_and_inode_and_waiters_are_ignored() -> None:
    held = lock_ids(PROC_LOCKS)
    assert held["254:1:1835023"] == 812
    assert held["0:26:301"] == 77
    assert held["0:5:1234"] == -1
    assert 990 not in held.values()
