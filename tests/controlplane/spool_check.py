#!/usr/bin/python3
"""Independent reader of spool files (python3-avro): counts every record of a table
found under --dir and checks that txn ids t<i> for i in the --ids ranges appear exactly
once. Also checks that no record holds something that looks like a clear PAN, and that
a card token, where a table has one, is 32 hex digits.

Usage: spool_check.py --dir D --table scored --ids 0:1000[,5000:6000] [--exact]
  --exact: every record must be one of the expected ids (no others).
  --ids-file F: a file holding "A:B" ranges (one per line), added to --ids.
  --id-field NAME --id-format FMT: the field naming a record and how id i is spelt
    in it (default txn_id, t%d; outcomes: --id-field stan --id-format %06d).
  --true-count FIELD=N: exactly N records have the boolean FIELD true.
  --dump: also print every record on stdout, one JSON object a line (timestamps as
    epoch milliseconds, NaN as the string "NaN"), for a test to compare field by
    field; the summary then goes to stderr.
Exit 0 when every check holds; prints what it found either way."""
import argparse
import collections
import datetime
import json
import math
import os
import re
import sys

import avro.datafile
import avro.io

PAN_LIKE = re.compile(r'\d{13,19}')
TOKEN_TABLES = ('scored', 'alerts', 'outcomes')  # one card's records: each names its card by token
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(v):
    """A decoded Avro value as plain JSON: timestamp-millis back to milliseconds."""
    if isinstance(v, datetime.datetime):
        return (v - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--table', default='scored')
    ap.add_argument('--ids', default='')
    ap.add_argument('--ids-file')
    ap.add_argument('--exact', action='store_true')
    ap.add_argument('--id-field', default='txn_id')
    ap.add_argument('--id-format', default='t%d')
    ap.add_argument('--true-count')
    ap.add_argument('--dump', action='store_true')
    a = ap.parse_args()
    ranges = [r for r in a.ids.split(',') if r]
    if a.ids_file:
        with open(a.ids_file) as f:
            ranges += [line.strip() for line in f if line.strip()]
    expected = set()
    for r in ranges:
        lo, hi = (int(x) for x in r.split(':'))
        expected.update(a.id_format % i for i in range(lo, hi))
    true_field, true_expected = (a.true_count.split('=') if a.true_count else (None, None))
    true_seen = 0

    counts = collections.Counter()
    total = 0
    files = 0
    problems = []
    for root, _, names in os.walk(a.dir):
        if '/table=%s/' % a.table not in root + '/':
            continue
        for name in sorted(names):
            if not name.endswith('.avro'):
                continue
            files += 1
            with open(os.path.join(root, name), 'rb') as f:
                reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
                for rec in reader:
                    if a.dump:
                        print(json.dumps(plain(rec), sort_keys=True))
                    total += 1
                    if a.id_field in rec:  # aggregate rows have no id of their own
                        counts[rec[a.id_field]] += 1
                    true_seen += 1 if true_field and rec.get(true_field) is True else 0
                    tok = rec.get('card_token')
                    if (tok is not None or a.table in TOKEN_TABLES) and not re.fullmatch(r'[0-9a-f]{32}', tok or ''):
                        problems.append('bad card_token %r' % tok)
                    for k, v in rec.items():
                        if k != 'card_token' and isinstance(v, str) and PAN_LIKE.search(v):
                            problems.append('field %s looks like a PAN: %r' % (k, v))
                reader.close()
    missing = [i for i in expected if counts[i] == 0]
    dup = [i for i, c in counts.items() if c > 1]
    extra = [i for i in counts if i not in expected]
    if a.dump:
        sys.stdout.flush()
        sys.stdout = sys.stderr
    print('spool_check: %d files, %d records, %d distinct, expected %d, missing %d, duplicated %d, unexpected %d'
          % (files, total, len(counts), len(expected), len(missing), len(dup), len(extra)))
    if missing:
        print('  missing e.g.', sorted(missing)[:5])
    if dup:
        print('  duplicated e.g.', sorted(dup)[:5])
    if true_field:
        print('  %s true in %d records, expected %s' % (true_field, true_seen, true_expected))
        if true_seen != int(true_expected):
            problems.append('%s true in %d records, not %s' % (true_field, true_seen, true_expected))
    if problems:
        print('  problems e.g.', problems[:5])
    ok = not missing and not dup and not problems and (not a.exact or not extra)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
