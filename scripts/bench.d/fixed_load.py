"""Fixed-count load for scripts/bench.d/instructions.sh: N POSTs of ~250-byte events over C
keep-alive connections (AUTH_HEADER from the environment); prints the status counts."""
import http.client, json, os, sys, threading, random, collections
host, port, path = "127.0.0.1", int(sys.argv[1]), sys.argv[2]
n, c, batch = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 1
auth = os.environ.get("AUTH_HEADER", "")
types = ["page_view", "product_view", "search", "add_to_cart", "purchase", "scroll"]
def ev(i, u):
    return ('{"userId":"user-%d","type":"%s","sessionId":"s-%d","properties":{"path":"/p/%d","price":%d.5,"sku":"SKU-%d"},'
            '"context":{"page":{"path":"/p/%d","title":"Product %d"},"locale":"en-GB","userAgent":"wrk"}}') % (u, types[i % 6], u, i, i % 100, i, i, i)
pool = []
for b in range(200):
    parts = [ev(b * batch + k, random.randint(1, 10000)) for k in range(batch)]
    pool.append((parts[0] if batch == 1 else "[" + ",".join(parts) + "]").encode())
counts = collections.Counter(); lock = threading.Lock()
def worker(k):
    conn = http.client.HTTPConnection(host, port)
    local = collections.Counter()
    for i in range(k):
        conn.request("POST", path, body=pool[i % len(pool)], headers={"Content-Type": "application/json", "Authorization": auth})
        r = conn.getresponse(); r.read(); local[r.status] += 1
    with lock: counts.update(local)
ts = [threading.Thread(target=worker, args=(n // c,)) for _ in range(c)]
[t.start() for t in ts]; [t.join() for t in ts]
print(dict(counts))
