"""Helpers shared by the benchmark scripts: HTTP calls, process CPU time, a readiness wait.

Standard library only, so the harness needs nothing beyond python3 on the machine.

Run as a script, it offers two small commands to bench/run.sh:

    python3 bench/common.py free-port
    python3 bench/common.py poll-ready URL OUT_FILE TIMEOUT_S   # writes the time of the first 200
"""

import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.parse

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Api:
    """A keep-alive HTTP/1.1 client for one base URL and one bearer token."""

    def __init__(self, base, token, timeout=60):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def raw(self, method, path, body=None):
        """Sends one request; returns (status, body bytes). Reconnects once on a dropped connection."""
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def call(self, method, path, body=None, expect=(200, 201)):
        """Sends one request and decodes its JSON answer; any other status is fatal."""
        status, payload = self.raw(method, path, body)
        if status not in expect:
            raise SystemExit("%s %s answered %d: %s" % (method, path, status, payload[:500].decode(errors="replace")))
        return json.loads(payload) if payload else None


def cpu_ticks(pid, children=True):
    """utime + stime (+ cutime + cstime) of one process, in clock ticks (0 if it is gone).

    The children's times matter for PostgreSQL only: the postmaster collects the CPU time of the
    backends and parallel workers that exit, so summing over all postgres processes loses nothing.
    """
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime..cstime are fields 14..17.
    return sum(int(value) for value in fields[11:15 if children else 13])


def postgres_processes():
    """{pid: title} of every process whose command name is `postgres` (the postmaster and its
    children); the title is what ps shows, e.g. `postgres: 15/main: postgres mydb 127.0.0.1(5432) idle`."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % entry) as f:
                if f.read().strip() != "postgres":
                    continue
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                found[int(entry)] = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return found


# A client backend's title: "postgres: [cluster: ]USER DATABASE HOST(PORT)|[local] STATE".
BACKEND_TITLE = re.compile(r"^postgres: (?:.*?: )?(\S+) (\S+) (?:\S+\(\d+\)|\[local\])")


def foreign_backend(title, database):
    """True for a client backend connected to another database than `database`."""
    match = BACKEND_TITLE.match(title)
    return bool(match) and match.group(2) != database


def cpu_seconds(pids, children=True):
    return sum(cpu_ticks(pid, children) for pid in pids) / CLK_TCK


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll_ready(url, out, timeout_s):
    """Polls `url` every millisecond until it answers 200, then writes the wall-clock time (Unix
    seconds) to `out`. Started before the server, so that the interpreter's own start-up (a good
    fraction of a second on a busy machine) is not counted: `out.started` says it is polling."""
    parsed = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + timeout_s
    open(out + ".started", "w").close()
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=2)
            conn.request("GET", parsed.path)
            if conn.getresponse().status == 200:
                with open(out, "w") as f:
                    f.write("%.6f\n" % time.time())
                return
        except OSError:
            pass
        time.sleep(0.001)
    raise SystemExit("%s not ready within %d s" % (url, timeout_s))


if __name__ == "__main__":
    if sys.argv[1:2] == ["free-port"]:
        print(free_port())
    elif sys.argv[1:2] == ["poll-ready"] and len(sys.argv) == 5:
        poll_ready(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
