#!/usr/bin/env python3
"""The Squid end-to-end scenarios, load test and measurements (issue 8).

Standard library only; started by run.sh, which starts Squid (with and
without the ICAP service), caldicott-icap and origin.py first. Every
request goes through a proxy with http.client (absolute URLs, persistent
connections) to the origin at http://ORIGIN/e2e/<id>, carrying its id in
an ``X-E2E-Id`` header. Afterwards the origin's log (one line per body
received: id, length, sha256) and its store (the bodies themselves) say
what arrived, and caldicott-icap's audit log (one line per decision,
found by the id in its URL) what was decided.

Prints one PASS or FAIL line per check and exits 1 if any failed. The
measurements go to RESULTS/results.json and RESULTS/results.md.
"""

import argparse
import base64
import gzip
import hashlib
import http.client
import json
import os
import random
import select
import statistics
import subprocess
import sys
import threading
import time

MiB = 1024 * 1024
SQUID = os.environ.get("SQUID", "squid")

# --- what is sent -------------------------------------------------------------

WORDS = (
    "the clinic reviewed referral pathway outpatient appointment service "
    "team weekly meeting agenda minutes budget estates parking rota audit "
    "quality improvement project training session induction handbook "
    "policy guidance update network printer request catering menu "
    "volunteers library journal club presentation slides draft final "
    "summary action owner deadline approved pending deferred noted "
    "ward corridor signage laundry pharmacy stock delivery courier "
    "window cleaning contract renewal tender supplier invoice query "
    "and of to in for with on at by from about over under after before"
).split()

SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson "
    "Wright Thompson Evans Walker White Roberts Green Hall Wood Jackson "
    "Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose Davis"
).split()

FORENAMES = (
    "Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Grace "
    "Arthur Freya Muhammad Lily Oscar Florence Charlie Willow"
).split()

POSTCODES = (
    "LS1 4AP", "M13 9WL", "B15 2TH", "NE1 4LP", "BS2 8HW", "SW17 0QT",
    "CB2 0QQ", "OX3 9DU", "L7 8XP", "S10 2JF", "NG7 2UH", "EH16 4SA",
)


def clean_text(size, seed):
    """`size` bytes of office prose: words only, no digits, so nothing in
    it can be an identifier."""
    rng = random.Random(seed)
    out = []
    n = 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        line = line.capitalize() + ".\n"
        out.append(line)
        n += len(line)
    return "".join(out).encode()[:size]


def patient_csv(ids, seed):
    """A CSV export of the patients with NHS numbers `ids`."""
    rng = random.Random(seed)
    rows = ["nhs_number,surname,forename,date_of_birth,postcode,clinic"]
    for nhs in ids:
        dob = "%04d-%02d-%02d" % (
            rng.randint(1930, 2015), rng.randint(1, 12), rng.randint(1, 28))
        rows.append(",".join([
            nhs, rng.choice(SURNAMES), rng.choice(FORENAMES), dob,
            rng.choice(POSTCODES), "cardiology"]))
    return ("\n".join(rows) + "\n").encode()


def multipart(fields, files, boundary):
    """A multipart/form-data body: `fields` (name, text), `files` (name,
    filename, content type, bytes)."""
    out = []
    for name, text in fields:
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
            f"\r\n\r\n{text}\r\n".encode())
    for name, filename, ctype, data in files:
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
            + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def grouped(nhs):
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"


def email(nhs, seed):
    """An ordinary letter about one patient: one NHS number."""
    rng = random.Random(seed)
    return (
        "Dear Dr Okafor,\n\n"
        f"Re: Mrs {rng.choice(SURNAMES)}, NHS number {grouped(nhs)}\n\n"
        "Thank you for referring this lady to the cardiology clinic. She was "
        "seen today and I have arranged an echocardiogram; I will write "
        "again when the result is available.\n\n"
        + clean_text(rng.randint(300, 1500), seed).decode()
        + "\nKind regards,\n\nDr A. Fletcher\nConsultant Cardiologist\n"
    ).encode()


class Job:
    """One request: what to send and what should happen."""

    def __init__(self, ident, kind, body, headers, blocked, method="POST"):
        self.id = ident
        self.kind = kind
        self.body = body
        self.headers = dict(headers)
        self.headers["X-E2E-Id"] = ident
        self.blocked = blocked
        self.method = method
        self.sha = hashlib.sha256(body).hexdigest()
        # Sent as Content-Length (the 200 MB upload sets it: its body is
        # generated while it is sent).
        self.length = len(body)


def blocked_jobs(prefix, ids, seed):
    """The four ways of sending the 50-patient CSV, all to be blocked."""
    csv = patient_csv(ids, seed)
    boundary = "----caldicott-e2e-%08x" % random.Random(seed).getrandbits(32)
    return [
        Job(f"{prefix}csv", "csv", csv, {"Content-Type": "text/csv"}, True),
        Job(f"{prefix}gzip", "csv.gz", gzip.compress(csv, mtime=0),
            {"Content-Type": "text/csv", "Content-Encoding": "gzip"}, True),
        Job(f"{prefix}multipart", "multipart",
            multipart([("comment", "clinic list for Tuesday")],
                      [("file", "patients.csv", "text/csv", csv)], boundary),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
            True),
        Job(f"{prefix}base64-json", "base64 json",
            json.dumps({"filename": "patients.csv", "encoding": "base64",
                        "content": base64.b64encode(csv).decode()}).encode(),
            {"Content-Type": "application/json"}, True),
    ]


BLOCKED = (0, 1, 2, 3, 9)
CLEAN = (4, 5, 6, 7, 8)
MIX = tuple(range(10))


def mix(prefix, n, load_ids, seed, kinds=MIX):
    """`n` requests cycling through `kinds`: BLOCKED are the CSV of 50
    patients plain, gzip'd, multipart, base64 JSON, or at the head of a
    200 KB file; CLEAN are 1-60 KB of text (Squid allows 204), 64-400 KB
    (caldicott-icap echoes it), a letter with one number, a JSON PUT."""
    rng = random.Random(seed)
    jobs = []
    for i in range(n):
        ident = f"{prefix}{i}"
        k = kinds[i % len(kinds)]
        if k < 4 or k == 9:
            ids = rng.sample(load_ids, 50)
            csv = patient_csv(ids, seed * 100003 + i)
            if k < 4:
                job = blocked_jobs(ident + "-", ids, seed * 100003 + i)[k]
                job.id = ident
                job.headers["X-E2E-Id"] = ident
            else:
                body = csv + clean_text(200 * 1024, i)
                job = Job(ident, "csv+200KB", body,
                          {"Content-Type": "text/csv"}, True)
        elif k in (4, 5):
            job = Job(ident, "clean<64KB",
                      clean_text(rng.randint(1024, 60 * 1024), i),
                      {"Content-Type": "text/plain"}, False)
        elif k == 6:
            job = Job(ident, "clean 64-400KB",
                      clean_text(rng.randint(64 * 1024, 400 * 1024), i),
                      {"Content-Type": "text/plain"}, False)
        elif k == 7:
            job = Job(ident, "letter, 1 number",
                      email(rng.choice(load_ids), i),
                      {"Content-Type": "text/plain; charset=utf-8"}, False)
        else:
            doc = {"title": "minutes", "body": clean_text(
                rng.randint(2048, 30 * 1024), i).decode()}
            job = Job(ident, "clean json PUT", json.dumps(doc).encode(),
                      {"Content-Type": "application/json"}, False, "PUT")
        jobs.append(job)
    return jobs


# --- sending ------------------------------------------------------------------


class Proxy:
    """One persistent client connection to a proxy, used as a browser
    would: a connection the proxy has closed is not reused, and the body
    is sent while watching for an early answer (the proxy may answer
    403 before it has read the whole body, and then stops reading)."""

    def __init__(self, addr, origin, timeout=60):
        host, port = addr.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.origin = origin
        self.timeout = timeout
        self.conn = None
        self.connects = 0
        # Connections the proxy closed after an answer that said
        # keep-alive (Squid 5 does after a REQMOD block page: see
        # README.md), and answers that came before the whole body was
        # sent.
        self.closed_after_block = 0
        self.early_answers = 0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _closed_by_peer(self, wait):
        """Whether the proxy closed the idle connection (EOF readable
        within `wait` s)."""
        sock = self.conn.sock
        if sock is None:
            return True
        r, _, _ = select.select([sock], [], [], wait)
        return bool(r)

    def _send_body(self, pieces):
        """Sends the body; False if the proxy answered (or closed) before
        all of it was sent."""
        sock = self.conn.sock
        sock.setblocking(False)
        try:
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    r, w, _ = select.select([sock], [sock], [],
                                            self.timeout)
                    if r:
                        return False
                    if not w:
                        raise TimeoutError("the proxy stopped reading")
                    try:
                        n = sock.send(view[:256 * 1024])
                    except BlockingIOError:
                        continue
                    view = view[n:]
            return True
        finally:
            sock.settimeout(self.timeout)

    def send(self, job, body=None):
        """Sends `job` (or `body`, an iterable of bytes, in its place);
        returns (status, headers, response body, seconds)."""
        if self.conn is not None and self._closed_by_peer(0):
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout)
            self.conn.connect()
            self.connects += 1
        url = f"http://{self.origin}/e2e/{job.id}"
        start = time.perf_counter()
        try:
            self.conn.putrequest(job.method, url, skip_accept_encoding=True)
            for name, value in job.headers.items():
                self.conn.putheader(name, value)
            if job.method != "GET":
                self.conn.putheader("Content-Length", str(job.length))
            self.conn.endheaders()
            whole = self._send_body([job.body] if body is None else body)
            if not whole:
                self.early_answers += 1
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.close()
            raise
        took = time.perf_counter() - start
        if resp.will_close or not whole:
            self.close()
        elif resp.status == 403 and self._closed_by_peer(0.05):
            self.closed_after_block += 1
            self.close()
        return resp.status, resp.headers, data, took


def run_jobs(proxy_addr, origin, jobs, concurrency):
    """Sends `jobs` over `concurrency` persistent connections, each taking
    the next job when free. Returns ([(job, status, headers, body,
    seconds, error)], wall seconds, {connects, closed_after_block,
    early_answers} summed over the connections)."""
    results = [None] * len(jobs)
    lock = threading.Lock()
    next_job = [0]
    counts = {"connects": 0, "closed_after_block": 0, "early_answers": 0}

    def worker():
        proxy = Proxy(proxy_addr, origin)
        while True:
            with lock:
                i = next_job[0]
                next_job[0] += 1
            if i >= len(jobs):
                break
            job = jobs[i]
            try:
                status, headers, data, took = proxy.send(job)
                results[i] = (job, status, headers, data, took, None)
            except Exception as e:  # recorded, and a failure
                results[i] = (job, None, None, b"", 0.0, repr(e))
        proxy.close()
        with lock:
            for k in counts:
                counts[k] += getattr(proxy, k)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - start, counts


# --- what arrived, what was decided -----------------------------------------


class Origin:
    def __init__(self, log, store):
        self.log = log
        self.store = store

    def received(self):
        """id -> [records] for every body the origin received."""
        out = {}
        with open(self.log, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out.setdefault(r["id"], []).append(r)
        return out

    def stored(self, sha):
        path = os.path.join(self.store, sha)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return f.read()


def read_audit(path, want_ids=(), wait=5.0):
    """id -> audit line, waiting up to `wait` s for the ids wanted (lines
    are written just after the answer)."""
    until = time.time() + wait
    while True:
        out = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                a = json.loads(line)
                url = a.get("url") or ""
                if "/e2e/" in url:
                    out[url.rsplit("/e2e/", 1)[1]] = a
        if all(i in out for i in want_ids) or time.time() > until:
            return out
        time.sleep(0.1)


# --- memory -------------------------------------------------------------------


def proc_status(pid, key):
    """VmRSS, VmHWM... of `pid`, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak(pid):
    """Resets VmHWM (Linux: write 5 to clear_refs). False if not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class RssSampler(threading.Thread):
    """Samples VmRSS every `interval` seconds until stopped."""

    def __init__(self, pid, interval=0.02):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            self.samples.append(proc_status(self.pid, "VmRSS"))
            time.sleep(self.interval)

    def stop(self):
        self.done.set()
        self.join()
        return self.samples


def peak_during(pid, fn):
    """Runs fn(); returns (its result, peak RSS seen: the larger of
    VmHWM, reset before, and the samples; samples)."""
    reset = reset_peak(pid)
    sampler = RssSampler(pid)
    sampler.start()
    try:
        result = fn()
    finally:
        samples = sampler.stop()
    peak = max(samples + [proc_status(pid, "VmRSS")])
    if reset:
        peak = max(peak, proc_status(pid, "VmHWM"))
    return result, peak, samples


def settled_rss(pid, seconds=0.5):
    """The RSS once the server is idle: the median of samples over
    `seconds`."""
    samples = []
    until = time.time() + seconds
    while time.time() < until:
        samples.append(proc_status(pid, "VmRSS"))
        time.sleep(0.02)
    return int(statistics.median(samples))


def mb(n):
    return f"{n / MiB:.1f} MiB"


# --- the checks ---------------------------------------------------------------


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0
        self.lines = []

    def check(self, name, ok, detail=""):
        line = f"{'PASS' if ok else 'FAIL'} {name}" + (
            f" — {detail}" if detail else "")
        print(line, flush=True)
        self.lines.append(line)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok


def verify(results, origin, audit_path, all_ids):
    """Checks each result against what should have happened (through
    Squid without caldicott-icap, `audit_path` None: clean bodies only).
    Returns a list of problems (empty when all is well)."""
    problems = []
    received = origin.received()
    audit = {} if audit_path is None else read_audit(
        audit_path, [r[0].id for r in results])
    for job, status, headers, data, _, error in results:
        tag = f"{job.id} ({job.kind})"
        if error:
            problems.append(f"{tag}: {error}")
            continue
        got = received.get(job.id, [])
        a = audit.get(job.id)
        if job.blocked:
            if status != 403:
                problems.append(f"{tag}: HTTP {status}, wanted 403")
            page = data.decode("utf-8", "replace")
            if "was blocked" not in page:
                problems.append(f"{tag}: not the block page")
            leaked = [i for i in all_ids if i in page]
            if leaked:
                problems.append(f"{tag}: the block page holds an NHS number")
            if got:
                problems.append(
                    f"{tag}: the origin received it ({len(got)} times)")
            if a is None or a["verdict"] != "block":
                problems.append(f"{tag}: audit verdict "
                                f"{a and a['verdict']}, wanted block")
            elif a["ref"] not in page:
                problems.append(f"{tag}: the page lacks the audit ref")
        else:
            if status != 200:
                problems.append(f"{tag}: HTTP {status}, wanted 200")
            if len(got) != 1:
                problems.append(
                    f"{tag}: the origin received it {len(got)} times")
            else:
                r = got[0]
                if r["sha256"] != job.sha or r["length"] != len(job.body):
                    problems.append(
                        f"{tag}: altered: sent {len(job.body)} bytes "
                        f"{job.sha[:12]}, origin got {r['length']} bytes "
                        f"{r['sha256'][:12]}")
                elif origin.stored(job.sha) != job.body:
                    problems.append(f"{tag}: stored body differs")
            if audit_path and (a is None or a["verdict"] == "block"):
                problems.append(f"{tag}: audit verdict "
                                f"{a and a['verdict']}, wanted a pass")
        if a is not None and a.get("client_ip") != "127.0.0.1":
            problems.append(f"{tag}: audit client_ip {a.get('client_ip')}")
    return problems


def access_times(log, prefix):
    """(%tr, ICAP ms, answer) per request whose id starts with `prefix`,
    from a squid access.log in run.sh's format: the response time Squid
    saw, the time of its ICAP transaction (None without one), and how
    caldicott-icap answered ("204", "echo", "403" or None)."""
    out = []
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            fields = line.split()
            # time, %tr, client, status, sizes, method, URL, id=, err=,
            # icap=, ICAP headers.
            if len(fields) < 11 or not fields[8].startswith("id=" + prefix):
                continue
            icap = fields[10][len("icap="):]
            head = fields[11] if len(fields) > 11 else ""
            answer = ("403" if "res-hdr=0" in head
                      else "echo" if "req-hdr=0" in head
                      else "204" if "null-body" in head else None)
            out.append((int(fields[1]),
                        int(icap) if icap.isdigit() else None, answer))
    return out


def squid_version():
    try:
        out = subprocess.run([SQUID, "-v"], capture_output=True, text=True,
                             check=False).stdout
        return out.split("Version ", 1)[1].split()[0]
    except (OSError, IndexError):
        return "(version unknown)"


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--proxy", required=True, help="squid with caldicott-icap")
    p.add_argument("--plain-proxy", required=True, help="squid without it")
    p.add_argument("--origin", required=True)
    p.add_argument("--origin-log", required=True)
    p.add_argument("--origin-store", required=True)
    p.add_argument("--icap-pid", type=int, required=True)
    p.add_argument("--audit", required=True)
    p.add_argument("--squid-log", required=True,
                   help="access.log of the squid with caldicott-icap")
    p.add_argument("--plain-squid-log", required=True,
                   help="access.log of the squid without it")
    p.add_argument("--ids", required=True, help="50 NHS numbers")
    p.add_argument("--one", required=True, help="one NHS number")
    p.add_argument("--load-ids", required=True, help="NHS numbers for load")
    p.add_argument("--results", required=True, help="directory")
    p.add_argument("--load", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--warmup", type=int, default=40)
    p.add_argument("--big-mb", type=int, default=200)
    p.add_argument("--big-rss-limit-mb", type=int, default=100)
    p.add_argument("--bench", type=int, default=1000,
                   help="requests per proxy and round, over --concurrency "
                        "connections")
    p.add_argument("--bench-serial", type=int, default=300,
                   help="requests per proxy and round, one at a time")
    p.add_argument("--rounds", type=int, default=2,
                   help="measurement rounds, alternating the proxies")
    args = p.parse_args()

    ids50 = open(args.ids).read().split()
    one = open(args.one).read().split()[0]
    load_ids = sorted(set(open(args.load_ids).read().split()))
    all_ids = set(ids50) | {one} | set(load_ids)
    origin = Origin(args.origin_log, args.origin_store)
    pid = args.icap_pid
    c = Checks()
    results = {"squid": args.proxy, "time": time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    t_start = time.time()

    # --- 1. single scenarios --------------------------------------------------
    proxy = Proxy(args.proxy, args.origin, timeout=15)
    rss_start = proc_status(pid, "VmRSS")
    # Peaks are VmHWM, reset before each phase, where the kernel allows
    # (else the largest of the 20 ms samples).
    results["peak_from_vmhwm"] = reset_peak(pid)
    get = Job("get", "GET", b"", {}, False, "GET")
    try:
        status = proxy.send(get)[0]
    except Exception as e:
        status = repr(e)
    c.check("GET through squid reaches the origin", status == 200
            and len(origin.received().get("get", [])) == 1, f"HTTP {status}")

    singles = blocked_jobs("blocked-", ids50, 1)
    singles += [
        Job("clean-300KB", "clean 300 KB",
            clean_text(300 * 1024, 7), {"Content-Type": "text/plain"}, False),
        Job("clean-20KB", "clean 20 KB",
            clean_text(20 * 1024, 8), {"Content-Type": "text/plain"}, False),
        Job("letter-one-number", "letter with one NHS number",
            email(one, 9), {"Content-Type": "text/plain"}, False),
        # Blocked on the preview alone, with 2 MB still to come; then the
        # next upload from the same client. Squid 5.7 never answered it
        # when caldicott-icap answered the preview at once (README.md).
        Job("blocked-csv-head-2MB", "csv heading 2 MB of text",
            patient_csv(ids50, 1) + clean_text(2 * MiB, 10),
            {"Content-Type": "text/csv"}, True),
        Job("after-block", "the same client's next upload",
            clean_text(10 * 1024, 11), {"Content-Type": "text/plain"},
            False),
    ]
    single_results = []
    for job in singles:
        try:
            status, headers, data, took = proxy.send(job)
            single_results.append((job, status, headers, data, took, None))
        except Exception as e:
            single_results.append((job, None, None, b"", 0.0, repr(e)))
    for r in single_results:
        job = r[0]
        problems = verify([r], origin, args.audit, all_ids)
        what = ("blocked with 403, never seen by the origin" if job.blocked
                else "passed byte for byte unchanged")
        c.check(f"{job.kind} ({len(job.body)} bytes): {what}", not problems,
                "; ".join(problems) or f"HTTP {r[1]}, {r[4] * 1000:.0f} ms")
    proxy.close()
    audit_text = open(args.audit, encoding="utf-8").read()
    leaked = [i for i in all_ids if i in audit_text]
    c.check("the audit log holds no NHS number in full", not leaked,
            f"{len(leaked)} found" if leaked else
            f"{len(audit_text.splitlines())} lines")

    # --- 2. load: 200 uploads over 20 connections, memory flat ----------------
    warm = mix("warm-", args.warmup, load_ids, 11)
    warm_results, _, _ = run_jobs(args.proxy, args.origin, warm,
                                  args.concurrency)
    problems = verify(warm_results, origin, args.audit, all_ids)
    c.check(f"warm-up: {len(warm)} uploads over {args.concurrency} "
            "connections", not problems, "; ".join(problems[:5]))
    rss_warm = settled_rss(pid)
    jobs = mix("load-", args.load, load_ids, 12)
    (load_results, wall, counts), peak, samples = peak_during(
        pid, lambda: run_jobs(args.proxy, args.origin, jobs,
                              args.concurrency))
    rss_after = settled_rss(pid)
    problems = verify(load_results, origin, args.audit, all_ids)
    n_blocked = sum(j.blocked for j in jobs)
    c.check(f"load: {len(jobs)} uploads ({n_blocked} to block, "
            f"{len(jobs) - n_blocked} clean) over {args.concurrency} "
            "connections: every status as expected, every clean body "
            "unaltered, no blocked body at the origin", not problems,
            "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)"
                                       if len(problems) > 5 else "")
            or f"{wall:.1f} s, {len(jobs) / wall:.0f} req/s, "
               f"{counts['connects']} client connections, "
               f"{counts['closed_after_block']} closed by squid after a "
               f"block page, {counts['early_answers']} blocks answered "
               "before the whole body was sent")
    # Flat: the peak while serving 200 uploads stays within 1.5 times the
    # RSS after the warm-up (which already had 20 connections open at
    # once) plus 16 MiB, and the idle RSS afterwards within the warm RSS
    # plus 16 MiB. A leak of what a request holds (its body, up to
    # 400 KB, or its spool) over 100 clean uploads would exceed both.
    flat_limit = int(1.5 * rss_warm) + 16 * MiB
    c.check("load: caldicott-icap's memory stays flat",
            peak <= flat_limit and rss_after <= rss_warm + 16 * MiB,
            f"RSS at start {mb(rss_start)}, after warm-up {mb(rss_warm)}, "
            f"peak under load {mb(peak)} (limit 1.5 x warm + 16 MiB = "
            f"{mb(flat_limit)}), idle after {mb(rss_after)} "
            f"({len(samples)} samples)")
    results["load"] = {
        "uploads": len(jobs), "blocked": n_blocked,
        "concurrency": args.concurrency, "seconds": round(wall, 3),
        "rss_start_bytes": rss_start, "rss_after_warmup_bytes": rss_warm,
        "rss_peak_bytes": peak, "rss_after_bytes": rss_after,
        "rss_flat_limit_bytes": flat_limit, "problems": problems,
        "client": counts,
    }

    # --- 3. a 200 MB clean upload, streamed -----------------------------------
    size = args.big_mb * MiB
    block = clean_text(MiB, 13)
    digest = hashlib.sha256()

    def pieces():
        for i in range(args.big_mb):
            off = (i * 7919) % len(block)
            piece = block[off:] + block[:off]
            digest.update(piece)
            yield piece

    big = Job("big", f"clean {args.big_mb} MB", b"",
              {"Content-Type": "text/plain"}, False)
    big.length = size
    proxy = Proxy(args.proxy, args.origin, timeout=300)
    try:
        (status, _, _, took), big_peak, _ = peak_during(
            pid, lambda: proxy.send(big, pieces()))
        error = None
    except Exception as e:
        status, took, big_peak, error = None, 0.0, 0, repr(e)
    proxy.close()
    got = origin.received().get("big", [])
    sha = digest.hexdigest()
    intact = (len(got) == 1 and got[0]["length"] == size
              and got[0]["sha256"] == sha)
    c.check(f"a {args.big_mb} MB clean upload passes intact (sha256)",
            status == 200 and intact,
            error or f"HTTP {status}, {took:.1f} s "
            f"({size / MiB / max(took, 1e-9):.0f} MiB/s), origin got "
            f"{got[0]['length'] if got else 0} bytes")
    limit = args.big_rss_limit_mb * MiB
    c.check(f"{args.big_mb} MB upload: caldicott-icap's peak RSS under "
            f"{args.big_rss_limit_mb} MiB", error is None and big_peak < limit,
            f"peak {mb(big_peak)}")
    results["big_upload"] = {"bytes": size, "seconds": round(took, 3),
                             "rss_peak_bytes": big_peak, "status": status}

    # --- 4. measurements: clean uploads with and without caldicott-icap --
    # Only clean uploads are compared: with and without the ICAP service
    # they take the same path, to the origin and back, so the difference
    # is what caldicott-icap adds. Block pages are timed on their own.
    lat = {name: {"serial": [], "conc": []} for name in ("without", "with")}
    wall = {name: {"serial": 0.0, "conc": 0.0} for name in lat}
    count = {name: {"serial": 0, "conc": 0} for name in lat}
    bench_peak = 0
    bench_problems = {name: [] for name in lat}
    order = (("without", args.plain_proxy), ("with", args.proxy))
    for rnd in range(args.rounds):
        for name, addr in (order if rnd % 2 == 0 else order[::-1]):
            audit = args.audit if name == "with" else None
            tag = f"{name}-{rnd}-"
            serial_jobs = mix(f"serial-{tag}", args.bench_serial, load_ids,
                              21 + rnd, CLEAN)
            rs, ws, _ = run_jobs(addr, args.origin, serial_jobs, 1)
            conc_jobs = mix(f"bench-{tag}", args.bench, load_ids, 31 + rnd,
                            CLEAN)
            if name == "with":
                (rc, wc, _), p, _ = peak_during(
                    pid, lambda: run_jobs(addr, args.origin, conc_jobs,
                                          args.concurrency))
                bench_peak = max(bench_peak, p)
            else:
                rc, wc, _ = run_jobs(addr, args.origin, conc_jobs,
                                     args.concurrency)
            bench_problems[name] += verify(rs + rc, origin, audit, all_ids)
            lat[name]["serial"] += [r[4] for r in rs if not r[5]]
            lat[name]["conc"] += [r[4] for r in rc if not r[5]]
            wall[name]["serial"] += ws
            wall[name]["conc"] += wc
            count[name]["serial"] += len(rs)
            count[name]["conc"] += len(rc)
    squid_side = {"without": access_times(args.plain_squid_log, "bench-"),
                  "with": access_times(args.squid_log, "bench-")}
    bench = {}
    for name in lat:
        ls, lc = lat[name]["serial"], lat[name]["conc"]
        tr = [t for t, _, _ in squid_side[name]]
        bench[name] = {
            "serial_requests": count[name]["serial"],
            "serial_median_ms": statistics.median(ls) * 1000,
            "serial_p99_ms": percentile(ls, 99) * 1000,
            "serial_rps": count[name]["serial"] / wall[name]["serial"],
            "requests": count[name]["conc"],
            "concurrency": args.concurrency,
            "rps": count[name]["conc"] / wall[name]["conc"],
            "median_ms": statistics.median(lc) * 1000,
            "p99_ms": percentile(lc, 99) * 1000,
            "squid_tr_median_ms": statistics.median(tr) if tr else None,
            "squid_tr_p99_ms": percentile(tr, 99) if tr else None,
            "problems": len(bench_problems[name]),
        }
        problems = bench_problems[name]
        c.check(f"measurement through squid {name} caldicott-icap: "
                f"{count[name]['serial'] + count[name]['conc']} clean "
                "uploads, all 200 and unaltered", not problems,
                "; ".join(problems[:5]))
    icap_ms = {a: [i for _, i, b in squid_side["with"]
                   if i is not None and (a == "all" or b == a)]
               for a in ("all", "204", "echo")}
    for a, xs in icap_ms.items():
        bench["with"][f"squid_icap_{a}"] = {
            "requests": len(xs),
            "median_ms": statistics.median(xs) if xs else None,
            "p99_ms": percentile(xs, 99) if xs else None,
        }
    bench["with"]["rss_peak_bytes"] = bench_peak
    blocked = mix("bench-blocked-", args.bench_serial, load_ids, 23, BLOCKED)
    rb, _, _ = run_jobs(args.proxy, args.origin, blocked, 1)
    problems = verify(rb, origin, args.audit, all_ids)
    lat_b = [r[4] for r in rb if not r[5]]
    bench["blocked"] = {
        "requests": len(rb),
        "median_ms": statistics.median(lat_b) * 1000,
        "p99_ms": percentile(lat_b, 99) * 1000,
    }
    c.check(f"measurement: {len(rb)} uploads to block, one at a time, all "
            "403 and none at the origin", not problems,
            "; ".join(problems[:5]))
    w, wo, bl = bench["with"], bench["without"], bench["blocked"]
    added = {
        "serial_median_ms": w["serial_median_ms"] - wo["serial_median_ms"],
        "serial_p99_ms": w["serial_p99_ms"] - wo["serial_p99_ms"],
        "median_ms": w["median_ms"] - wo["median_ms"],
        "p99_ms": w["p99_ms"] - wo["p99_ms"],
    }
    total = sum(1 for _ in open(args.audit, encoding="utf-8"))
    rss_end = settled_rss(pid)
    c.check(f"caldicott-icap's memory after all {total} decisions stays "
            "flat", rss_end <= flat_limit,
            f"RSS {mb(rss_end)} (limit {mb(flat_limit)})")
    results["measurements"] = {"without_icap": wo, "with_icap": w,
                               "blocked": bl, "added": added,
                               "rss_end_bytes": rss_end,
                               "decisions": total}
    results["checks"] = {"passed": c.passed, "failed": c.failed,
                         "lines": c.lines}
    results["seconds"] = round(time.time() - t_start, 1)

    md = [
        "# caldicott-icap through Squid: measurements",
        "",
        f"{results['time']}, {os.cpu_count()} CPUs. Squid {squid_version()}"
        ", caldicott-icap (release build, the shipped configuration), the "
        "origin (Python, origin.py) and the client (Python, e2e.py) on one "
        "machine, over loopback. Clean uploads only, cycling through 1-60 "
        "KB of text (Squid allows 204), 64-400 KB of text (echoed back), a "
        "letter with one NHS number and a 2-30 KB JSON PUT; the same "
        "requests through a Squid with the ICAP service and one without.",
        "",
        "| | without caldicott-icap | with | added |",
        "| --- | --- | --- | --- |",
        f"| requests/s, 1 connection ({w['serial_requests']} requests) | "
        f"{wo['serial_rps']:.0f} | {w['serial_rps']:.0f} | |",
        f"| latency median, 1 connection | {wo['serial_median_ms']:.2f} ms "
        f"| {w['serial_median_ms']:.2f} ms | "
        f"{added['serial_median_ms']:+.2f} ms |",
        f"| latency p99, 1 connection | {wo['serial_p99_ms']:.2f} ms | "
        f"{w['serial_p99_ms']:.2f} ms | {added['serial_p99_ms']:+.2f} ms |",
        f"| requests/s, {args.concurrency} connections "
        f"({w['requests']} requests) | {wo['rps']:.0f} | {w['rps']:.0f} | |",
        f"| latency median, {args.concurrency} connections | "
        f"{wo['median_ms']:.1f} ms | {w['median_ms']:.1f} ms | "
        f"{added['median_ms']:+.1f} ms |",
        f"| latency p99, {args.concurrency} connections | "
        f"{wo['p99_ms']:.1f} ms | {w['p99_ms']:.1f} ms | "
        f"{added['p99_ms']:+.1f} ms |",
        f"| Squid's response time (%tr) median / p99, {args.concurrency} "
        f"connections | {wo['squid_tr_median_ms']:.0f} / "
        f"{wo['squid_tr_p99_ms']:.0f} ms | {w['squid_tr_median_ms']:.0f} / "
        f"{w['squid_tr_p99_ms']:.0f} ms | |",
    ] + [
        f"| Squid's ICAP transaction (%adapt::all_trs) median / p99, "
        f"{args.concurrency} connections, {label} | | "
        f"{w[key]['median_ms']:.0f} / {w[key]['p99_ms']:.0f} ms |  |"
        for key, label in (
            ("squid_icap_all", "all"),
            ("squid_icap_204", f"answered 204 ({w['squid_icap_204']['requests']})"),
            ("squid_icap_echo", f"echoed, 64-400 KB ({w['squid_icap_echo']['requests']})"))
        if w[key]["requests"]
    ] + [
        "",
        f"{args.rounds} rounds, alternating which Squid goes first. Latency "
        "is measured by the client, from the request's first byte to the "
        "answer's last. At 20 connections the Python origin and client "
        "share the 2 CPUs with Squid and caldicott-icap and set the pace "
        "(the rows with and without the service differ by how requests "
        "reach the origin as much as by the scan); the single-connection "
        "rows and Squid's own ICAP times are the cost of caldicott-icap. "
        "Squid allows 204 only for bodies under 64 KiB; a larger clean body "
        "is scanned whole and then sent back, which is most of the added "
        "p99.",
        "",
        f"Block page (uploads to block, one at a time, {bl['requests']} "
        f"requests): median {bl['median_ms']:.1f} ms, p99 "
        f"{bl['p99_ms']:.1f} ms.",
        "",
        f"caldicott-icap RSS: {mb(rss_start)} at start, {mb(rss_warm)} after "
        f"the warm-up, peak {mb(peak)} during {len(jobs)} uploads over "
        f"{args.concurrency} connections, peak {mb(bench_peak)} during the "
        f"{w['requests']}-request measurement, peak {mb(big_peak)} during "
        f"the {args.big_mb} MB upload ({took:.1f} s), {mb(rss_end)} after "
        f"{total} decisions.",
        "",
        f"Squid closed the client connection after {counts['closed_after_block']}"
        f" of the {n_blocked} block pages of the load test (see README.md).",
        "",
        "## Checks",
        "",
    ] + [f"- {line}" for line in c.lines]
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.results, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print()
    print("\n".join(md[4:md.index("## Checks")]).rstrip())
    print(f"\n(written to {args.results}/results.md and results.json)")
    print(f"\n{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
