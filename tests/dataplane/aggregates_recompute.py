#!/usr/bin/python3
"""Independent recomputation of txscreen's 1-minute aggregates (issue #17, acceptance 2).

Reads the feed itself (JSON messages in MoldUDP64 or raw UDP datagrams of a classic
pcap, as txgen --format json writes them), takes each transaction's decision and alert
from the spool's table=scored Avro files (joined by txn_id), recomputes per
(window_start_ms, dimension, key) the transactions, alerts, reviews, blocks and the
amounts per currency, and compares them with the rows txscreen wrote to the spool's
table=aggregates (and/or Kafka txscreen.aggregates records saved as JSON lines).

Nothing here comes from txscreen's code: the window is floor(event time / window),
keys are spelt as docs/schemas.md says (feed name; merchant_id as received; MCC as 4
digits; country alpha-2 upper case; channel pos/ecom/atm/unknown; "none" for an absent
merchant, MCC 0 or absent country; "other" for merchants beyond top_merchants), amounts
are the JSON decimal shifted by the currency's ISO 4217 exponent in exact arithmetic.

Rules checked:
  - no (window, dimension, key) has two window rows (in each source on its own);
  - totals of a (window, dimension, key) = its window row + its correction rows, and
    they equal the recomputation exactly, for every window and every key (no row
    missing, none extra); approved/declined/rejects/gaps are 0 on a clean UDP feed;
  - amounts: every currency a row keeps is exact; with more than 8 currencies in a
    (window, dimension, key), the ones beyond are counted in amounts_other;
  - distinct_cards of a window row without corrections: exact up to 384 cards, within
    --distinct-tolerance (8 %, five standard errors of the HyperLogLog) beyond;
    latency p50/p99 of a row with transactions: 0 < p50 <= p99;
  - --late-pcap: the correction rows equal the recomputation of those events alone
    (they were sent after the watermark passed their windows);
  - --unique-only (after kill -9 and a restart): only the first rule.
Exit 0 when every check holds; prints what it compared and the first mismatches.

Usage:
  aggregates_recompute.py --pcap FEED.pcap [--pcap MORE.pcap] --spool DIR
      [--late-pcap LATE.pcap] [--feed-name json-mold] [--window-ms 60000]
      [--aggregates-jsonl KAFKA.jsonl] [--summary-json S.json (merchants_folded 0,
      too_late 0, late_events = the late events sent)] [--unique-only]
      [--distinct-tolerance 0.08]
  aggregates_recompute.py --self-test FEED.pcap LABELS.csv   (parsing only: every
      message of a txgen pcap decodes and the txn ids equal the labels file's)
"""
import argparse
import collections
import csv
import datetime
import decimal
import json
import os
import struct
import sys

DIMENSIONS = ('feed', 'merchant', 'mcc', 'country', 'channel')
MAX_CURRENCIES = 8  # agg_max_currencies: a row keeps this many currencies apart
EXACT_CARDS = 384   # distinct_cards is exact up to this many (controlplane/analytics/hyperloglog.h)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# ISO 4217 alpha -> (numeric, exponent) for the currencies txgen writes (USD, and with
# --local-currencies the currencies of its countries); anything else fails loudly.
ISO4217 = {
    'USD': (840, 2), 'EUR': (978, 2), 'GBP': (826, 2), 'JPY': (392, 0), 'CAD': (124, 2),
    'AUD': (36, 2), 'CHF': (756, 2), 'BRL': (986, 2), 'INR': (356, 2), 'MXN': (484, 2),
    'KWD': (414, 3), 'CLF': (990, 4),
}
COUNTS = ('transactions', 'alerts', 'reviews', 'blocks')
ZERO_FIELDS = ('approved', 'declined', 'rejects', 'gaps')


# ---------------------------------------------------------------- the feed (pcap)

def pcap_frames(path):
    """Yields the frames of a classic libpcap file (either byte order)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit(f'{path}: not a pcap file')
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    if struct.unpack(endian + 'I', data[:4])[0] not in (0xa1b2c3d4, 0xa1b23c4d):
        raise SystemExit(f'{path}: not a classic pcap file (magic {magic:#x})')
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def udp_payload(frame):
    """(dst port, payload) of an Ethernet/IPv4/UDP frame (802.1Q tags skipped), else None."""
    off, ethertype = 12, struct.unpack('>H', frame[12:14])[0]
    while ethertype in (0x8100, 0x88a8):
        off += 4
        ethertype = struct.unpack('>H', frame[off:off + 2])[0]
    ip = off + 2
    if ethertype != 0x0800 or len(frame) < ip + 20 or frame[ip + 9] != 17:
        return None
    ihl = (frame[ip] & 0x0f) * 4
    total = struct.unpack('>H', frame[ip + 2:ip + 4])[0]
    udp = ip + ihl
    dport, length = struct.unpack('>HH', frame[udp + 2:udp + 6])
    end = min(ip + total, udp + length, len(frame))
    return dport, frame[udp + 8:end]


def mold_messages(payload, seen):
    """Messages of one MoldUDP64 datagram not seen before (A/B copies counted once)."""
    session = payload[:10]
    first, count = struct.unpack('>QH', payload[10:20])
    if count in (0, 0xffff):
        return []
    out, off = [], 20
    for i in range(count):
        (n,) = struct.unpack('>H', payload[off:off + 2])
        msg = payload[off + 2:off + 2 + n]
        off += 2 + n
        if (session, first + i) not in seen:
            seen.add((session, first + i))
            out.append(msg)
    return out


def feed_messages(path, framing):
    """The JSON objects of a pcap, in capture order."""
    seen = set()
    for frame in pcap_frames(path):
        got = udp_payload(frame)
        if got is None:
            continue
        _, payload = got
        if framing == 'raw':
            msgs = [m for m in payload.split(b'\n') if m.strip()]
        else:
            msgs = mold_messages(payload, seen)
        for m in msgs:
            yield json.loads(m, parse_float=decimal.Decimal, parse_int=decimal.Decimal)


def event_ms(ts):
    if isinstance(ts, decimal.Decimal):
        return int(ts)
    t = datetime.datetime.fromisoformat(ts.replace('z', 'Z').replace('Z', '+00:00'))
    return (t - EPOCH) // datetime.timedelta(milliseconds=1)


def key_text(v):
    return 'none' if v is None or v == '' else str(v)


def keys_of(m, feed_name):
    """The key of each dimension for one JSON transaction, spelt as docs/schemas.md says."""
    mcc = m.get('mcc')
    mcc = int(mcc) if mcc is not None else 0
    country = m.get('country')
    channel = (m.get('channel') or 'unknown').lower()
    return {
        'feed': feed_name,
        'merchant': key_text(m.get('merchant_id')),
        'mcc': 'none' if mcc == 0 else '%04d' % mcc,
        'country': key_text(country.upper() if country else None),
        'channel': channel,
    }


def amount_of(m):
    cur = m['currency']
    if cur not in ISO4217:
        raise SystemExit(f'currency {cur!r} of txn {m["txn_id"]} is not in the table of this script')
    numeric, exponent = ISO4217[cur]
    minor = decimal.Decimal(m['amount']).scaleb(exponent)
    if minor != minor.to_integral_value():
        raise SystemExit(f'amount {m["amount"]} {cur} of txn {m["txn_id"]} has digits below the minor unit')
    return numeric, exponent, int(minor)


class Txn:
    """One txn_id of the feed: its content (identical copies of a duplicate) and count."""
    __slots__ = ('window', 'keys', 'currency', 'exponent', 'minor', 'card', 'copies')  # currency: ISO numeric


def read_feed(paths, feed_name, window_ms, framing):
    txns = collections.OrderedDict()
    for path in paths:
        for m in feed_messages(path, framing):
            t = Txn()
            start = event_ms(m['ts'])
            t.window = start - start % window_ms
            t.keys = keys_of(m, feed_name)
            t.currency, t.exponent, t.minor = amount_of(m)
            t.card = m.get('card') or 'id:' + str(m.get('card_id'))
            t.copies = 1
            old = txns.get(m['txn_id'])
            if old is not None:
                # A duplicate's copy repeats its original exactly (same window and keys).
                assert (old.window, old.keys, old.minor) == (t.window, t.keys, t.minor), \
                    f'txn_id {m["txn_id"]} repeats with other content'
                old.copies += 1
            else:
                txns[m['txn_id']] = t
    return txns


# ---------------------------------------------------------------- the spool

def plain(v):
    if isinstance(v, datetime.datetime):
        return (v - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def projection(reader, fields):
    """The file's own schema cut to `fields`: python-avro then skips the others, about
    twice as fast on table=scored's 45 fields."""
    import avro.schema
    meta = reader.meta['avro.schema']
    schema = json.loads(meta.decode() if isinstance(meta, bytes) else meta)
    schema['fields'] = [f for f in schema['fields'] if f['name'] in fields]
    return avro.schema.parse(json.dumps(schema))


def spool_records(spool, table, fields=None):
    import avro.datafile
    import avro.io
    files = 0
    for root, _, names in os.walk(spool):
        if f'/table={table}/' not in root + '/':
            continue
        for name in sorted(names):
            if not name.endswith('.avro'):
                continue
            files += 1
            with open(os.path.join(root, name), 'rb') as f:
                with avro.datafile.DataFileReader(f, avro.io.DatumReader()) as r:
                    if fields:
                        r.datum_reader.readers_schema = projection(r, fields)
                    for rec in r:
                        yield plain(rec)
    if files == 0:
        print(f'note: no table={table} .avro files under {spool}')


def read_verdicts(spool):
    """txn_id -> [(decision, alert), ...], one per verdict."""
    out = collections.defaultdict(list)
    for rec in spool_records(spool, 'scored', ('txn_id', 'decision', 'alert')):
        out[rec['txn_id']].append((rec['decision'], bool(rec['alert'])))
    return out


def read_jsonl(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


# ---------------------------------------------------------------- recomputation

def empty_totals():
    return {'transactions': 0, 'alerts': 0, 'reviews': 0, 'blocks': 0, 'amounts': collections.defaultdict(lambda: [0, 0, 0])}


def recompute(txns, verdicts, only_ids=None):
    """(window, dimension, key) -> totals, over the txn ids (all, or only_ids)."""
    out = collections.defaultdict(empty_totals)
    problems = []
    for txn_id, t in txns.items():
        if only_ids is not None and txn_id not in only_ids:
            continue
        vs = verdicts.get(txn_id, [])
        if len(vs) != t.copies:
            problems.append(f'txn {txn_id}: {t.copies} message(s) in the feed, {len(vs)} verdict(s) in table=scored')
        alerts = sum(1 for _, a in vs if a)
        reviews = sum(1 for d, _ in vs if d == 'review')
        blocks = sum(1 for d, _ in vs if d == 'block')
        for dim in DIMENSIONS:
            tot = out[(t.window, dim, t.keys[dim])]
            tot['transactions'] += t.copies
            tot['alerts'] += alerts
            tot['reviews'] += reviews
            tot['blocks'] += blocks
            a = tot['amounts'][t.currency]
            a[0] += t.copies
            a[1] += t.copies * t.minor
            a[2] = t.exponent
    return out, problems


def row_id(r):
    return (int(r['window_start_ms']), r['dimension'], r['key'])


def sum_rows(rows):
    """(window, dimension, key) -> totals summed over `rows`."""
    out = {}
    for r in rows:
        k = row_id(r)
        tot = out.setdefault(k, dict(empty_totals(), other=0, zero=collections.Counter(), rows=0,
                                     amount_rows=collections.Counter()))
        tot['rows'] += 1
        for c in COUNTS:
            tot[c] += int(r[c])
        for z in ZERO_FIELDS:
            tot['zero'][z] += int(r.get(z, 0))
        tot['other'] += int(r.get('amounts_other', 0))
        for a in r.get('amounts', []):
            num = int(a['currency_numeric'])
            acc = tot['amounts'][num]
            acc[0] += int(a['transactions'])
            acc[1] += int(a['amount_minor'])
            acc[2] = int(a.get('currency_exponent', a.get('exponent', 0)))
            tot['amount_rows'][num] += 1
    return out


def compare_amounts(k, want, got, problems):
    listed = set(got['amounts'])
    for num in listed - set(want['amounts']):
        problems.append(f'{k}: currency {num} in the rows, not in the feed')
    unlisted_tx = sum(w[0] for num, w in want['amounts'].items() if num not in listed)
    if len(want['amounts']) <= MAX_CURRENCIES and got['other']:
        problems.append(f'{k}: amounts_other {got["other"]} with only {len(want["amounts"])} currencies')
    for num in listed & set(want['amounts']):
        w, g = want['amounts'][num], got['amounts'][num]
        if g[2] != w[2]:
            problems.append(f'{k}: currency {num} exponent {g[2]}, expected {w[2]}')
        if len(want['amounts']) <= MAX_CURRENCIES and g[:2] != w[:2]:
            problems.append(f'{k}: currency {num} {g[0]} txns / {g[1]} minor, expected {w[0]} / {w[1]}')
        elif g[0] == w[0] and g[1] != w[1]:
            problems.append(f'{k}: currency {num} sum {g[1]}, expected {w[1]}')
        elif g[0] > w[0]:
            problems.append(f'{k}: currency {num} {g[0]} txns, the feed has {w[0]}')
    kept = sum(g[0] for g in got['amounts'].values())
    if kept + got['other'] != want['transactions']:
        problems.append(f'{k}: currencies kept {kept} + amounts_other {got["other"]} != {want["transactions"]} txns')
    elif len(want['amounts']) > MAX_CURRENCIES and unlisted_tx > got['other']:
        problems.append(f'{k}: {unlisted_tx} txns in currencies no row lists, amounts_other {got["other"]}')


def compare(want, got, what):
    """Problems (strings) between recomputed totals and summed rows."""
    problems = []
    for k in sorted(set(want) - set(got)):
        problems.append(f'{what}: {k} missing ({want[k]["transactions"]} txns in the feed)')
    for k in sorted(set(got) - set(want)):
        problems.append(f'{what}: {k} has rows ({got[k]["transactions"]} txns) but no transaction in the feed')
    for k in sorted(set(want) & set(got)):
        w, g = want[k], got[k]
        for c in COUNTS:
            if w[c] != g[c]:
                problems.append(f'{what}: {k} {c} {g[c]}, expected {w[c]}')
        for z, n in g['zero'].items():
            if n:
                problems.append(f'{what}: {k} {z} {n} on a clean UDP feed')
        compare_amounts(k, w, g, problems)
    return problems


def duplicate_windows(rows, source):
    seen = collections.Counter(row_id(r) for r in rows if r['kind'] == 'window')
    return [f'{source}: {k} has {n} window rows' for k, n in sorted(seen.items()) if n > 1]


def check_distinct(txns, window_rows, corrected, tolerance):
    """distinct_cards equal to the exact count while small, within tolerance of it
    beyond, where no correction split the key's events."""
    cards = collections.defaultdict(set)
    for t in txns.values():
        for dim in DIMENSIONS:
            cards[(t.window, dim, t.keys[dim])].add(t.card)
    problems = []
    for r in window_rows:
        k = row_id(r)
        if k in corrected or k not in cards:
            continue
        exact, est = len(cards[k]), int(r['distinct_cards'])
        # Exact up to 384 distinct cards, then a HyperLogLog with 1.6 % standard error.
        if est != exact if exact <= EXACT_CARDS else abs(est - exact) > tolerance * exact:
            problems.append(f'{k}: distinct_cards {est}, exactly {exact}')
    return problems


def check_latency(rows):
    bad = [row_id(r) for r in rows if int(r['transactions']) > 0 and
           not (0 < int(r['latency_p50_ns']) <= int(r['latency_p99_ns']))]
    return [f'{k}: latency p50/p99 not 0 < p50 <= p99' for k in bad[:5]]


def find_key(obj, name):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == name and isinstance(v, (int, float)):
                return v
            got = find_key(v, name)
            if got is not None:
                return got
    elif isinstance(obj, list):
        for v in obj:
            got = find_key(v, name)
            if got is not None:
                return got
    return None


def report(problems, limit=25):
    for p in problems[:limit]:
        print('  ' + p)
    if len(problems) > limit:
        print(f'  ... and {len(problems) - limit} more')


def self_test(pcap, labels, framing):
    """The parsing alone, on a txgen pcap and its labels CSV."""
    msgs = list(feed_messages(pcap, framing))
    with open(labels) as f:
        ids = [r['txn_id'] for r in csv.DictReader(f)]
    assert [m['txn_id'] for m in msgs] == ids, 'txn ids of the pcap differ from the labels file'
    for m in msgs:
        keys_of(m, 'json-mold')
        amount_of(m)
        event_ms(m['ts'])
    txns = read_feed([pcap], 'json-mold', 60000, framing)
    windows = sorted({t.window for t in txns.values()})
    print(f'ok: {len(msgs)} messages, {len(txns)} txn ids, {len(windows)} windows '
          f'from {windows[0]} to {windows[-1]}')
    return 0


def load_rows(a):
    sources = {}
    if a.spool:
        sources['spool table=aggregates'] = list(spool_records(a.spool, 'aggregates'))
    if a.aggregates_jsonl:
        sources['Kafka txscreen.aggregates'] = list(read_jsonl(a.aggregates_jsonl))
    return sources


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--pcap', action='append', default=[])
    ap.add_argument('--late-pcap', action='append', default=[])
    ap.add_argument('--spool')
    ap.add_argument('--aggregates-jsonl')
    ap.add_argument('--feed-name', default='json-mold')
    ap.add_argument('--framing', default='moldudp64', choices=('moldudp64', 'raw'))
    ap.add_argument('--window-ms', type=int, default=60000)
    ap.add_argument('--summary-json')
    ap.add_argument('--unique-only', action='store_true')
    ap.add_argument('--distinct-tolerance', type=float, default=0.08, help='beyond 384 cards; 0: no check')
    ap.add_argument('--self-test', nargs=2, metavar=('PCAP', 'LABELS'))
    a = ap.parse_args()
    if a.self_test:
        return self_test(a.self_test[0], a.self_test[1], a.framing)

    sources = load_rows(a)
    if not sources:
        ap.error('give --spool and/or --aggregates-jsonl')
    problems = []
    for name, rows in sources.items():
        kinds = collections.Counter(r['kind'] for r in rows)
        print(f'{name}: {len(rows)} rows ({kinds["window"]} window, {kinds["correction"]} correction)')
        problems += duplicate_windows(rows, name)
        problems += [f'{name}: row kind {k!r}' for k in kinds if k not in ('window', 'correction')]
        problems += [f'{name}: dimension {d!r}' for d in {r['dimension'] for r in rows} if d not in DIMENSIONS]
        problems += [f'{name}: {row_id(r)} is not a whole window' for r in rows
                     if int(r['window_start_ms']) % a.window_ms or
                     int(r['window_end_ms']) - int(r['window_start_ms']) != a.window_ms][:5]
        if not rows:
            problems.append(f'{name}: no rows')
    if a.unique_only:
        report(problems)
        print('FAIL' if problems else 'ok: no (window, dimension, key) has two window rows')
        return 1 if problems else 0

    txns = read_feed(a.pcap + a.late_pcap, a.feed_name, a.window_ms, a.framing)
    late_ids = set(read_feed(a.late_pcap, a.feed_name, a.window_ms, a.framing)) if a.late_pcap else set()
    verdicts = read_verdicts(a.spool) if a.spool else {}
    want, join_problems = recompute(txns, verdicts)
    problems += join_problems[:10] + ([f'... {len(join_problems) - 10} more join problems'] if len(join_problems) > 10 else [])
    print(f'feed: {sum(t.copies for t in txns.values())} messages, {len(txns)} txn ids ({len(late_ids)} late), '
          f'{sum(len(v) for v in verdicts.values())} verdicts in table=scored; recomputed {len(want)} (window, dimension, key)')

    for name, rows in sources.items():
        got = sum_rows(rows)
        problems += compare(want, got, name)
        merchants_other = [k for k in got if k[1] == 'merchant' and k[2] == 'other']
        if merchants_other:
            problems.append(f'{name}: merchants folded into "other" in {len(merchants_other)} windows')
        window_rows = [r for r in rows if r['kind'] == 'window']
        corrected = {row_id(r) for r in rows if r['kind'] == 'correction'}
        problems += check_latency(rows)
        if a.distinct_tolerance > 0:
            problems += check_distinct(read_feed(a.pcap, a.feed_name, a.window_ms, a.framing) if late_ids else txns,
                                       window_rows, corrected, a.distinct_tolerance)
        if late_ids:
            want_late, _ = recompute(txns, verdicts, late_ids)
            got_late = sum_rows([r for r in rows if r['kind'] == 'correction'])
            problems += compare(want_late, got_late, name + ' corrections vs the late events')
            print(f'{name}: late events recomputed into {len(want_late)} (window, dimension, key), '
                  f'{len(got_late)} have correction rows')
        elif corrected:
            problems.append(f'{name}: {len(corrected)} correction rows, but no late events were sent')

    if a.summary_json:
        with open(a.summary_json) as f:
            summary = json.load(f)
        expected = {'merchants_folded': 0, 'too_late': 0}
        if a.late_pcap:
            expected['late_events'] = sum(txns[i].copies for i in late_ids)
        for name, value in expected.items():
            got = find_key(summary.get('aggregates', summary), name)
            if got is None:
                print(f'note: no {name} counter in the summary')
            elif got != value:
                problems.append(f'summary: aggregates {name} = {got}, expected {value}')
    report(problems)
    if problems:
        print(f'FAIL: {len(problems)} problems')
        return 1
    print(f'ok: every window and every key equals the recomputation ({len(want)} (window, dimension, key), '
          f'{len(sources)} source(s)); no window row twice')
    return 0


if __name__ == '__main__':
    sys.exit(main())
