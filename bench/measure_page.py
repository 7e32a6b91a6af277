"""Signs in, then times sequential GETs of one page and prints median, p95 and max.

Usage: measure_page.py BASE_URL EMAIL PASSWORD PATH REQUESTS
"""

import http.client
import statistics
import sys
import time
import urllib.parse

base, email, password, path, requests = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
host = urllib.parse.urlparse(base).netloc
conn = http.client.HTTPConnection(host)

body = urllib.parse.urlencode({"email": email, "password": password})
conn.request("POST", "/api/session/sign-in", body, {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"})
res = conn.getresponse()
res.read()
cookie = res.getheader("set-cookie").split(";")[0]
assert res.status == 200, res.status

headers = {"cookie": cookie, "accept": "text/html"}
size = 0
timings = []
for i in range(requests + 20):
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    res = conn.getresponse()
    page = res.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert res.status == 200, res.status
    if i >= 20:  # the first requests warm caches and the connection pool
        timings.append(elapsed)
        size = len(page)

timings.sort()
p95 = timings[int(len(timings) * 0.95) - 1]
print(
    f"GET {path}: {len(timings)} requests, {size // 1024} KB each, "
    f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; budget: median < 20 ms"
)
