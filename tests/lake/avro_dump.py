#!/usr/bin/python3
"""Prints every record of spool Avro files as the lake's canonical JSON lines.

    /usr/bin/python3 avro_dump.py FILE.avro...

An independent reader for the Parquet tests: python3-avro decodes each file with its
own header schema as the writer schema and the table's shipped .avsc
(controlplane/schemas/<table>.avsc, the table from the path's table=<t> directory) as
the reader schema, so Avro's own schema resolution fills defaults. Each record is
printed in the form tests/lake/parquet_dump.mjs prints a Parquet row (see its header):

  * keys: the table's top-level columns in schema order, with the derived `amount`
    (decimal(18,4), lake only) right after `amount_minor` in every record that has
    `amount_minor` and `currency_exponent` (also inside lists of records);
  * int (int32) as a JSON number; long, timestamps and the decimal as strings
    (decimal: 4 digits after the point, "-1.5000");
  * float and double as JSON numbers written as JavaScript writes them (shortest
    round-trip digits, 3 not 3.0, 1e-7, 1e+21, -0 as 0; a float is its double value),
    NaN and infinities as the strings "NaN", "Infinity", "-Infinity";
  * booleans, strings as JSON; arrays as arrays; records as objects.

The derived amount follows controlplane/lake/avro_reader.cpp: amount_minor *
10^(4 - currency_exponent), half away from zero above 4 decimals; 0 when the exponent
is negative or the value does not fit 18 digits.
"""
import datetime
import decimal
import json
import math
import os
import re
import sys

import avro.datafile
import avro.io
import avro.schema

SOURCE_ROOT = os.environ.get(
    "TXSCREEN_SOURCE_ROOT",
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
DECIMAL18_MAX = 10**18 - 1
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def derive_amount(minor, exponent):
    """amount_minor at 4 decimals as an unscaled integer (the reader's rule)."""
    if exponent < 0 or exponent > 22:
        return 0
    if exponent <= 4:
        v = minor * 10 ** (4 - exponent)
        return v if abs(v) <= DECIMAL18_MAX else 0
    div = 10 ** (exponent - 4)
    if div > 2**63 - 1:
        return 0
    q, r = abs(minor) // div, abs(minor) % div
    if 2 * r >= div:
        q += 1
    return q if minor >= 0 else -q


def decimal_text(unscaled):
    sign = "-" if unscaled < 0 else ""
    u = abs(unscaled)
    return "%s%d.%04d" % (sign, u // 10000, u % 10000)


def js_number(x):
    """x as JavaScript's Number#toString (JSON.stringify) writes it."""
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    t = decimal.Decimal(repr(abs(x))).normalize().as_tuple()  # repr: the shortest round-trip digits
    digits = "".join(map(str, t.digits))
    k = len(digits)
    n = t.exponent + k  # x = 0.digits * 10^n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return sign + mantissa + "e" + ("+" if e >= 0 else "-") + str(abs(e))


class Number:
    """A float already written as its canonical JSON text."""

    def __init__(self, text):
        self.text = text


def float_value(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return Number(js_number(x))


def to_json(v):
    """JSON.stringify's text of a canonical value (no spaces, non-ASCII unescaped)."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + to_json(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(to_json(x) for x in v) + "]"
    if isinstance(v, Number):
        return v.text
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def canonical(schema, value):
    """The canonical JSON value of `value` of Avro schema `schema` (reader schema)."""
    t = schema.type
    if t == "record":
        names = [f.name for f in schema.fields]
        out = {}
        for f in schema.fields:
            out[f.name] = canonical(f.type, value[f.name])
            if f.name == "amount_minor" and "currency_exponent" in names:
                out["amount"] = decimal_text(derive_amount(value["amount_minor"], value["currency_exponent"]))
        return out
    if t == "array":
        return [canonical(schema.items, v) for v in value]
    if t == "long":
        if isinstance(value, datetime.datetime):  # python3-avro applies timestamp-millis
            d = value - EPOCH
            return str(d.days * 86400000 + d.seconds * 1000 + d.microseconds // 1000)
        return str(value)
    if t == "int":
        return value
    if t in ("float", "double"):
        return float_value(value)  # a float is already the double value of the float32
    return value  # boolean, string


def table_of(path, writer_name):
    m = re.search(r"(?:^|/)table=([a-z]+)/", path)
    if m:
        return m.group(1)
    return {"alert": "alerts", "reject": "rejects", "outcome": "outcomes", "aggregate": "aggregates",
            "spike": "spikes"}.get(writer_name, writer_name)


def dump(path, out):
    with open(path, "rb") as f:
        peek = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        writer = avro.schema.parse(peek.meta["avro.schema"].decode("utf-8"))
        table = table_of(path, writer.name)
        with open(os.path.join(SOURCE_ROOT, "controlplane", "schemas", table + ".avsc"), encoding="utf-8") as s:
            reader = avro.schema.parse(s.read())
    with open(path, "rb") as f:
        for record in avro.datafile.DataFileReader(f, avro.io.DatumReader(writer, reader)):
            out.write(to_json(canonical(reader, record)) + "\n")


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: avro_dump.py FILE.avro...\n")
        return 2
    out = sys.stdout
    for path in sys.argv[1:]:
        dump(path, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
