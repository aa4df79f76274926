#!/usr/bin/python3
"""A producer's own JSON (its field names, nested location, epoch-second timestamps)
on a UDP feed with [feed.json_map] is screened exactly as the same transactions in
txscreen's JSON (issue #20, item 2). txgen writes a JSON feed; this script writes it
twice: once in txscreen's keys with whole-second timestamps, once as the producer
writes it (plus a few malformed producer messages at the end). `txscreen run` reads
each with its config; every verdict line must be equal, and the producer feed's only
extra rejects are the malformed messages, counted as json_bad_type / json_syntax.

usage: json_map_udp.py TXGEN TXSCREEN"""
import atexit, json, os, shutil, struct, subprocess, sys, tempfile

txgen, txscreen = sys.argv[1], sys.argv[2]
count = int(os.environ.get("JSON_MAP_COUNT", "20000"))
work = tempfile.mkdtemp(prefix="txscreen-jsonmap.")
atexit.register(shutil.rmtree, work, ignore_errors=True)

def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout[-2000:], r.stderr[-2000:])
        sys.exit(f"FAIL: {' '.join(args[:3])} exited {r.returncode}")
    return r

src = os.path.join(work, "src.pcap")
run(txgen, "--count", str(count), "--format", "json", "--framing", "raw", "--seed", "21",
    "--out", src, "--no-labels", "--quiet")

def read_pcap(path):
    d = open(path, "rb").read()
    head, off, out = d[:24], 24, []
    while off < len(d):
        ts, us, incl, _ = struct.unpack("<IIII", d[off:off + 16])
        out.append((ts, us, d[off + 16:off + 16 + incl]))
        off += 16 + incl
    return head, out

def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF

def write_pcap(path, head, packets):
    with open(path, "wb") as f:
        f.write(head)
        for ts, us, eth_ip_udp, payload in packets:
            ip = bytearray(eth_ip_udp[14:34])
            struct.pack_into("!H", ip, 2, 20 + 8 + len(payload))
            struct.pack_into("!H", ip, 10, 0)
            struct.pack_into("!H", ip, 10, ip_checksum(bytes(ip)))
            udp = bytearray(eth_ip_udp[34:42])
            struct.pack_into("!HH", udp, 4, 8 + len(payload), 0)
            frame = eth_ip_udp[:14] + bytes(ip) + bytes(udp) + payload
            f.write(struct.pack("<IIII", ts, us, len(frame), len(frame)) + frame)

def seconds(ts):   # txgen writes RFC 3339 UTC with milliseconds
    import datetime
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp())

def producer(m, sec):
    p = {"transaction_id": m["txn_id"], "card_number": m["card"], "amount": m["amount"],
         "currency": m["currency"], "timestamp": sec, "merchant_id": m["merchant_id"]}
    for k_out, k_in in (("merchant", "merchant_name"), ("category_code", "mcc"), ("channel", "channel"),
                        ("device_id", "device_id"), ("ip_address", "ip"), ("email", "email")):
        if k_in in m: p[k_out] = m[k_in]
    loc = {k: m[k] for k in ("country", "city", "lat", "lon") if k in m}
    if loc: p["location"] = loc
    return p

head, packets = read_pcap(src)
canon, prod = [], []
messages = 0
for ts, us, frame in packets:
    lines = [l for l in frame[42:].split(b"\n") if l]
    c_lines, p_lines = [], []
    for l in lines:
        m = json.loads(l)   # amounts as written: json keeps 100.00 as 100.0, which the decoder reads alike
        sec = seconds(m["ts"])
        c = dict(m); c["ts"] = sec * 1000
        c_lines.append(json.dumps(c, separators=(",", ":")).encode())
        p_lines.append(json.dumps(producer(m, sec), separators=(",", ":")).encode())
        messages += 1
    canon.append((ts, us, frame[:42], b"\n".join(c_lines) + b"\n"))
    prod.append((ts, us, frame[:42], b"\n".join(p_lines) + b"\n"))
bad = [b'{"transaction_id":"BAD1","card_number":{"x":1},"amount":1,"currency":"USD","timestamp":1,"merchant_id":"M"}',
       b'{"transaction_id":"BAD2","card_number":"4111111111111111","amount":"x","currency":"USD","timestamp":"noon","merchant_id":"M"}',
       b'not json at all']
last_ts, last_us, last_frame, _ = prod[-1]
prod.append((last_ts, last_us, last_frame, b"\n".join(bad) + b"\n"))
assert messages == count, messages
write_pcap(os.path.join(work, "canon.pcap"), head, canon)
write_pcap(os.path.join(work, "producer.pcap"), head, prod)

feed = '[[feed]]\nname = "payments"\nport = 7004\nframing = "raw"\npayload = "json"\n'
open(os.path.join(work, "canon.toml"), "w").write(feed)
open(os.path.join(work, "producer.toml"), "w").write(feed + """[feed.json_map]
txn_id = "/transaction_id"
card = "/card_number"
amount = "/amount"
currency = "/currency"
ts = { pointer = "/timestamp", unit = "s" }
merchant_id = "/merchant_id"
merchant_name = "/merchant"
mcc = "/category_code"
country = "/location/country"
city = "/location/city"
lat = "/location/lat"
lon = "/location/lon"
channel = "/channel"
device_id = "/device_id"
ip = "/ip_address"
email = "/email"
""")

summaries = {}
for name in ("canon", "producer"):
    run(txscreen, "run", "--config", os.path.join(work, name + ".toml"), "--pcap", os.path.join(work, name + ".pcap"),
        "--no-kafka", "--no-spool", "--quiet", "--verdicts-out", os.path.join(work, name + ".jsonl"),
        "--summary-json", os.path.join(work, name + ".json"))
    summaries[name] = json.load(open(os.path.join(work, name + ".json")))

def verdicts(name):
    return sorted(open(os.path.join(work, name + ".jsonl")).read().splitlines())

a, b = verdicts("canon"), verdicts("producer")
flagged = sum(" block" in l or " review" in l for l in a)
print(f"verdicts: txscreen JSON {len(a)}, producer JSON {len(b)}; review or block: {flagged}")
ok = len(a) == count and a == b and flagged > 0
if a != b:
    print("first differences:", [(x, y) for x, y in zip(a, b) if x != y][:2])
rc, rp = summaries["canon"]["rejects"], summaries["producer"]["rejects"]
print("rejects, txscreen JSON:", {k: v for k, v in rc.items() if v})
print("rejects, producer JSON:", {k: v for k, v in rp.items() if v})
ok &= sum(rc.values()) == 0 and sum(rp.values()) == len(bad) and rp["json_syntax"] == 1
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
