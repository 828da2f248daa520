"""Append-only stream file of one process (format: docs/stream-format.md).

Every record goes out in one os.write, so a process killed at any moment leaves at most one
truncated record at the end, which the reader skips.
"""
import json
import os
import struct
import sys

MAGIC = b"WEFTSTRM"
VERSION = 1
META = 1
EVENTS = 2

_HEADER = MAGIC + struct.pack("<HHI", VERSION, 0, 0)
_PAD = b"\0" * 8


def record(kind, payload):
    """One record: type, flags, reserved, length, payload, zero padding to 8 bytes."""
    size = len(payload)
    return struct.pack("<BBHI", kind, 0, 0, size) + payload + _PAD[: (-size) % 8]


def meta_record(obj):
    return record(META, json.dumps(obj, separators=(",", ":"), ensure_ascii=False,
                                   default=str).encode("utf-8", "surrogatepass"))


def events_record(serial, events):
    """events: array('q') of (t_ns, op) pairs."""
    if sys.byteorder != "little":
        events = events[:]
        events.byteswap()
    return record(EVENTS, struct.pack("<II", serial, 0) + events.tobytes())


class StreamFile:
    """The segments of one process's stream. With a ring limit, old segments are deleted and a
    new segment starts with the records (`preamble`) needed to read it on its own."""

    def __init__(self, session, pid, start_ns, ring=0):
        self.base = os.path.join(session, "%d-%d" % (pid, start_ns))
        self.ring = ring
        self.segment_limit = max(ring // 4, 1000) if ring else 0
        self.segments = []  # [(path, events)]
        self.fd = -1
        self.dropped = 0
        self.next_segment = 0
        self._open_segment(b"")

    def _open_segment(self, preamble):
        if self.fd >= 0:
            os.close(self.fd)
        path = "%s-%04d.wstream" % (self.base, self.next_segment)
        self.next_segment += 1
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND
                          | getattr(os, "O_CLOEXEC", 0), 0o644)
        self.segments.append([path, 0])
        self._write_all(_HEADER + preamble)

    def write(self, data):
        self._write_all(data)

    def write_parts(self, parts, preamble):
        """Append records: bytes, or (events record, number of events). Without a ring they go
        out in one write; with one, a new segment starts whenever the current one is full,
        beginning with preamble() so that it can be read on its own."""
        if not self.ring:
            self._write_all(b"".join(p if isinstance(p, bytes) else p[0] for p in parts))
            return
        for part in parts:
            if isinstance(part, bytes):
                self._write_all(part)
                continue
            data, events = part
            self._write_all(data)
            self.segments[-1][1] += events
            if self.segments[-1][1] >= self.segment_limit:
                self._rotate(preamble)

    def _rotate(self, preamble):
        kept = sum(n for _, n in self.segments)
        while len(self.segments) > 1 and kept - self.segments[0][1] >= self.ring:
            path, n = self.segments.pop(0)
            kept -= n
            self.dropped += n
            try:
                os.unlink(path)
            except OSError:
                pass
        head = preamble()
        if self.dropped:
            head += meta_record({"k": "dropped", "events": self.dropped, "reason": "ring"})
        self._open_segment(head)

    def _write_all(self, data):
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
