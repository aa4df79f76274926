#!/usr/bin/python3
"""Issue #16, acceptance 2: a jPOS GenericPackager XML for an EBCDIC link, read by
`txscreen run` with `dialect = "link.xml"`, decodes every message with the values the
sender put in.

The script writes its own packager XML (jPOS is AGPL: nothing is copied from it), reads
it back with xml.etree and encodes the messages with an encoder written here, class by
class, from jPOS's documented byte layouts (docs/feeds.md "jPOS import"); txscreen's
encoder is never used. EBCDIC comes from iconv (IBM1047, as jPOS's IFE_ classes) and,
for a second feed whose TOML dialect file takes link.xml as its base and sets
`code_page = "cp037"`, from Python's cp037 codec. The messages go into a pcap
(Ethernet/IPv4/UDP, raw framing: a 2-byte big-endian length before each message).
txscreen's output is read back from its Avro spool (python3-avro) and its run summary;
`txscreen decode --json` shows every field as the dialect reads it and the mapped Txn,
with the field-48 sub-elements (device, IP, e-mail) the spool does not carry.

Then messages that do not fit the dialect: a non-digit in field 4, a TLV length past
the end of field 48, a bit for a field the XML leaves undefined. Each must be a reject
with its reason, and with the field in the spool's reject record.

Usage: jpos_ebcdic_acceptance.py TXSCREEN [--count N] [--keep DIR]
Exit 0 on success, 1 on a failed check, 77 (skipped) without iconv's IBM1047 or
python3-avro."""
import argparse
import calendar
import datetime
import hashlib
import hmac
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import algorithms

SKIP = 77
# --token-key per tokenizer ([tokenization] tokenizer); the test recomputes every card
# token from the PAN it sent, with Python's hmac and with the cryptography package's CMAC.
TOKEN_KEYS = {'aes-cmac': bytes(range(1, 17)), 'hmac-sha256': bytes(range(1, 33))}
PORT_1047, PORT_037 = 7002, 7003          # the XML feed and the cp037 TOML feed
JPOS = 'org.jpos.iso.'
TAGGED = 'org.jpos.iso.packager.GenericTaggedFieldsPackager'
TAG_MAPPER = 'org.jpos.iso.packager.TTDecimalTagMapper'

# The link's packager, as a jPOS user would write it for an EBCDIC link: EBCDIC MTI,
# numerics and text, a binary bitmap, and a private LLLVAR field 48 holding text TLV
# sub-elements (tag 2 chars, length 2 digits). The outer class of 48 is IFE_LLLCHAR,
# so jPOS translates the whole field from EBCDIC before the tagged packager reads it:
# tags, lengths and values are EBCDIC on the wire. 32 and 102 are EBCDIC text behind a
# binary length: one byte for IFB_LLHECHAR, two (big-endian) for IFB_LLLHECHAR.
FIELDS = [
    (0, 'IFE_NUMERIC', 4, 'MESSAGE TYPE INDICATOR'),
    (1, 'IFB_BITMAP', 16, 'BIT MAP'),
    (2, 'IFE_LLNUM', 19, 'PAN - PRIMARY ACCOUNT NUMBER'),
    (3, 'IFE_NUMERIC', 6, 'PROCESSING CODE'),
    (4, 'IFE_NUMERIC', 12, 'AMOUNT, TRANSACTION'),
    (7, 'IFE_NUMERIC', 10, 'TRANSMISSION DATE AND TIME'),
    (11, 'IFE_NUMERIC', 6, 'SYSTEM TRACE AUDIT NUMBER'),
    (12, 'IFE_NUMERIC', 6, 'TIME, LOCAL TRANSACTION'),
    (13, 'IFE_NUMERIC', 4, 'DATE, LOCAL TRANSACTION'),
    (14, 'IFE_NUMERIC', 4, 'DATE, EXPIRATION'),
    (18, 'IFE_NUMERIC', 4, 'MERCHANTS TYPE'),
    (22, 'IFE_NUMERIC', 3, 'POINT OF SERVICE ENTRY MODE'),
    (25, 'IFE_NUMERIC', 2, 'POINT OF SERVICE CONDITION CODE'),
    (32, 'IFB_LLHECHAR', 11, 'ACQUIRING INSTITUTION IDENT CODE'),
    (37, 'IFE_CHAR', 12, 'RETRIEVAL REFERENCE NUMBER'),
    (38, 'IFE_CHAR', 6, 'AUTHORIZATION IDENTIFICATION RESPONSE'),
    (39, 'IFE_CHAR', 2, 'RESPONSE CODE'),
    (41, 'IFE_CHAR', 8, 'CARD ACCEPTOR TERMINAL IDENTIFICACION'),
    (42, 'IFE_CHAR', 15, 'CARD ACCEPTOR IDENTIFICATION CODE'),
    (43, 'IFE_CHAR', 40, 'CARD ACCEPTOR NAME/LOCATION'),
    (48, 'IFE_LLLCHAR', 999, 'ADDITIONAL DATA - PRIVATE'),
    (49, 'IFE_NUMERIC', 3, 'CURRENCY CODE, TRANSACTION'),
    (102, 'IFB_LLLHECHAR', 28, 'ACCOUNT IDENTIFICATION 1'),
]
SUBFIELDS_48 = [(1, 40, 'DEVICE ID'), (2, 45, 'IP ADDRESS'), (3, 64, 'E-MAIL')]
UNDEFINED_FIELD = 60  # not in the XML: a set bit for it is iso_unsupported_field


def write_packager_xml(path):
    """link.xml in GenericPackager format (genericpackager.dtd)."""
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
             '<!DOCTYPE isopackager PUBLIC "-//jPOS/jPOS Generic Packager DTD 1.0//EN"',
             '  "http://jpos.org/dtd/generic-packager-1.0.dtd">',
             '<!-- An EBCDIC link (IBM1047), binary bitmap; written by jpos_ebcdic_acceptance.py -->',
             '<isopackager>']
    for fid, cls, length, name in FIELDS:
        if fid != 48:
            lines.append('  <isofield id="%d" length="%d" name="%s" class="%s%s"/>' % (fid, length, name, JPOS, cls))
            continue
        lines.append('  <isofieldpackager id="48" length="%d" name="%s" class="%s%s"' % (length, name, JPOS, cls))
        lines.append('      packager="%s" tagMapper="%s" tagSize="2" lenSize="2">' % (TAGGED, TAG_MAPPER))
        for sid, slen, sname in SUBFIELDS_48:
            lines.append('    <isofield id="%d" length="%d" name="%s" class="%sIFA_TTLLCHAR"/>' % (sid, slen, sname, JPOS))
        lines.append('  </isofieldpackager>')
    lines.append('</isopackager>')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


# ---- The encoder: from the XML's own definitions, class by class -------------------

class Packager:
    """A GenericPackager read back from the XML: per field id the class and length, and
    for a tagged isofieldpackager its tag size, length size and sub-fields by tag."""

    def __init__(self, path, ebcdic):
        self.ebcdic = ebcdic      # 256-byte table: Latin-1 code point -> EBCDIC byte
        self.fields = {}
        root = ET.parse(path).getroot()
        assert root.tag == 'isopackager', root.tag
        for e in root:
            fid = int(e.get('id'))
            spec = {'class': e.get('class')[len(JPOS):], 'length': int(e.get('length'))}
            if e.tag == 'isofieldpackager':
                assert e.get('packager') == TAGGED and e.get('tagMapper') == TAG_MAPPER, e.attrib
                spec['tag_size'], spec['len_size'] = int(e.get('tagSize')), int(e.get('lenSize'))
                spec['subs'] = {}
                for s in e:
                    assert s.get('class') == JPOS + 'IFA_TTLLCHAR', s.attrib
                    # TTDecimalTagMapper: ids below 100 are their own 2-digit tag.
                    sid = int(s.get('id'))
                    assert sid < 100
                    spec['subs']['%02d' % sid] = int(s.get('length'))
            self.fields[fid] = spec

    def text(self, s):
        return bytes(self.ebcdic[b] for b in s.encode('latin-1'))

    def field(self, fid, value):
        """The wire bytes of field `fid` holding `value` (digits or text; for a tagged
        field, a list of (tag, text))."""
        spec = self.fields[fid]
        cls, length = spec['class'], spec['length']
        if 'subs' in spec:
            value = self.tlv(spec, value)
        family, _, kind = cls.partition('_')
        prefix_digits = len(kind) - len(kind.lstrip('L'))
        kind = kind.lstrip('L')
        if family == 'IFB' and kind == 'HECHAR':  # a binary length (LL: 1 byte, LLL: 2), EBCDIC text
            assert len(value) <= length, (fid, value)
            return len(value).to_bytes(1 if prefix_digits <= 2 else 2, 'big') + self.text(value)
        assert family == 'IFE', cls  # the link is EBCDIC throughout, bar the bitmap and those lengths
        if kind == 'NUMERIC':   # EBCDIC digits, zero-padded on the left to `length`
            assert value.isdigit() and len(value) <= length, (fid, value)
            return self.text(value.rjust(length, '0'))
        if kind == 'CHAR' and prefix_digits == 0:  # EBCDIC, space-padded on the right
            return self.text(value[:length].ljust(length))
        if kind in ('NUM', 'CHAR'):  # n EBCDIC length digits, then the content
            assert len(value) <= length and (kind == 'CHAR' or value.isdigit()), (fid, value)
            return self.text('%0*d' % (prefix_digits, len(value)) + value)
        raise ValueError('class %s is not in this encoder' % cls)

    @staticmethod
    def fixed_text_length(fid):
        """The length of a fixed text field (IFE_CHAR), which decode shows padded; 0 otherwise."""
        for f, cls, length, _ in FIELDS:
            if f == fid and cls == 'IFE_CHAR':
                return length
        return 0

    @staticmethod
    def tlv(spec, elements):
        """IFA_TTLLCHAR under GenericTaggedFieldsPackager: tag, decimal length, value,
        as Latin-1 text (the outer class then turns the whole into EBCDIC)."""
        out = ''
        for tag, v in elements:
            assert len(tag) == spec['tag_size']
            if tag in spec['subs']:
                assert len(v) <= spec['subs'][tag], (tag, v)
            out += tag + '%0*d' % (spec['len_size'], len(v)) + v
        return out

    def parts(self, mti, values):
        """[(field id, wire bytes)]: the MTI (0), the binary bitmap (1; IFB_BITMAP 16:
        a secondary one when a field above 64 is present), then the fields in order."""
        bits = sorted(values)
        secondary = any(f > 64 for f in bits)
        bitmap = bytearray(16 if secondary else 8)
        if secondary:
            bitmap[0] |= 0x80
        for f in bits:
            bitmap[(f - 1) // 8] |= 0x80 >> ((f - 1) % 8)
        assert self.fields[1]['class'] == 'IFB_BITMAP' and self.fields[1]['length'] >= len(bitmap)
        return [(0, self.field(0, mti)), (1, bytes(bitmap))] + [(f, self.field(f, values[f])) for f in bits]

    def message(self, mti, values):
        return b''.join(b for _, b in self.parts(mti, values))


def ebcdic_1047():
    """Latin-1 -> IBM1047, from iconv over all 256 code points; None when iconv has no IBM1047."""
    try:
        r = subprocess.run(['iconv', '-f', 'ISO-8859-1', '-t', 'IBM1047'], input=bytes(range(256)),
                           capture_output=True, check=False)
    except OSError:
        return None
    return r.stdout if r.returncode == 0 and len(r.stdout) == 256 else None


def ebcdic_037():
    return bytes(range(256)).decode('latin-1').encode('cp037')


# ---- Transactions ------------------------------------------------------------------

def luhn_complete(digits):
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


CITIES = [('NEW YORK', 'NY', 'US'), ('SAN FRANCISCO', 'CA', 'US'), ('LONDON', '', 'GB'), ('PARIS', '', 'FR'),
          ('MÜNCHEN', 'BY', 'DE'), ('SÃO PAULO', 'SP', 'BR'), ('ZÜRICH', 'ZH', 'CH'), ('TOKYO', '', 'JP'),
          ('MADRID', '', 'ES'), ('QUEZON CITY', '', 'PH')]
MERCHANTS = ['CORNER GROCERY', 'CAFÉ DU MONDE', 'MAIN ST CINEMA', 'ACME HARDWARE', 'SHOP [NORD] 7',
             'BÄCKEREI MÜLLER', 'FUEL & GO', 'BOOKS^2 ONLINE', "JOE'S DINER", 'ATM LOBBY']
CURRENCIES = [('840', 'USD', 2), ('978', 'EUR', 2), ('826', 'GBP', 2), ('392', 'JPY', 0)]
MCCS = ['5411', '5812', '7832', '5251', '5541', '5942', '5999', '4829']


def make_txns(n, seed, base_epoch, rrn_base):
    rng = random.Random(seed)
    txns = []
    for i in range(n):
        pan_len = 19 if i % 5 == 0 else 16
        pan = luhn_complete(rng.choice(['4', '5', '6']) + ''.join(rng.choice('0123456789') for _ in range(pan_len - 2)))
        kind = ('atm', 'ecom', 'ecom_manual', 'pos', 'pos')[i % 5]
        city, region, country = CITIES[i % len(CITIES)]
        num, alpha, exponent = CURRENCIES[i % len(CURRENCIES)]
        ts = base_epoch + i * 7 + rng.randint(0, 6)
        t = {
            'pan': pan, 'mti': '0100' if kind.startswith('ecom') else '0200',
            'processing_code': '010000' if kind == 'atm' else '000000',
            'amount': rng.randint(1, 10 ** rng.randint(2, 9)), 'event_time': ts,
            'stan': '%06d' % (1 + i % 999999), 'rrn': '%012d' % (rrn_base + i),
            'expiry': '%02d%02d' % (rng.randint(27, 32), rng.randint(1, 12)),
            'mcc': '6011' if kind == 'atm' else rng.choice(MCCS),
            'entry': {'atm': '051', 'ecom': '812', 'ecom_manual': '012', 'pos': rng.choice(['051', '071', '901'])}[kind],
            'condition': {'atm': '02', 'ecom': '59', 'ecom_manual': '59', 'pos': '00'}[kind],
            'channel': 'atm' if kind == 'atm' else 'ecom' if kind.startswith('ecom') else 'pos',
            'acquirer': ''.join(rng.choice('0123456789') for _ in range(rng.randint(6, 11))),
            'terminal': 'T%07d' % rng.randint(0, 9999999),
            # 15 characters, or fewer and space-padded; no run of 13+ digits, which the
            # appliance would mask as a possible PAN (docs/feeds.md, "PANs in free text").
            'merchant_id': 'M%06dK%07d' % (rng.randint(0, 10 ** 6 - 1), rng.randint(0, 10 ** 7 - 1))
            if i % 3 else 'MERCH-%d' % rng.randint(1, 99999),
            'merchant_name': ('ATM LOBBY' if kind == 'atm' else MERCHANTS[i % len(MERCHANTS)]) + ' %d' % (i % 97),
            'city': city, 'region': region, 'country': country,
            'currency': num, 'currency_alpha': alpha, 'exponent': exponent,
            'account': 'ACC-%d' % rng.randint(1, 10 ** 9) if i % 4 == 0 else '',
        }
        if kind != 'atm' or i % 2:
            # At most 10 digits in a row: 12 or more could be masked as a possible PAN.
            t['device'] = 'dev-%010x' % rng.getrandbits(40)
            t['ip'] = ('203.0.113.%d' % rng.randint(1, 254)) if i % 3 else '2001:db8::%x:%x' % (
                rng.getrandbits(16), rng.getrandbits(16))
            t['email'] = 'user.%d@example%d.com' % (rng.randint(1, 99999), i % 7)
        txns.append(t)
    return txns


def iso_values(t, rng):
    """The fields of one transaction, as the link sends them."""
    when = datetime.datetime.fromtimestamp(t['event_time'], datetime.timezone.utc)
    name43 = t['merchant_name'][:22].ljust(22) + t['city'][:13].ljust(13) + t['region'].ljust(3) + t['country']
    v = {2: t['pan'], 3: t['processing_code'], 4: '%012d' % t['amount'], 7: when.strftime('%m%d%H%M%S'),
         11: t['stan'], 12: when.strftime('%H%M%S'), 13: when.strftime('%m%d'), 14: t['expiry'], 18: t['mcc'],
         22: t['entry'], 25: t['condition'], 32: t['acquirer'], 37: t['rrn'], 41: t['terminal'],
         42: t['merchant_id'], 43: name43, 49: t['currency']}
    if t['account']:
        v[102] = t['account']
    elements = [(tag, t[key]) for tag, key in (('01', 'device'), ('02', 'ip'), ('03', 'email')) if key in t]
    if elements:
        rng.shuffle(elements)  # TLV: any order
        if rng.random() < 0.25:
            elements.insert(rng.randrange(len(elements) + 1), ('09', 'tag unknown to the map'))
        v[48] = elements
    return v


# ---- The capture -------------------------------------------------------------------

def ip_checksum(header):
    s = sum(struct.unpack('!10H', header))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(port, payload, ip_id):
    """Ethernet / IPv4 / UDP (checksum 0: none, as IPv4 allows) to 10.0.0.2:port."""
    udp = struct.pack('!HHHH', 40000, port, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), ip_id & 0xFFFF, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack('!H', ip_checksum(ip)) + ip[12:]
    return b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01' + b'\x08\x00' + ip + udp


def write_pcap(path, datagrams):
    """datagrams: (epoch seconds, port, message) -> classic pcap, one message per
    datagram with raw framing's 2-byte big-endian length."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (ts, port, msg) in enumerate(datagrams):
            frame = udp_frame(port, struct.pack('!H', len(msg)) + msg, i)
            f.write(struct.pack('<IIII', int(ts), int((ts % 1) * 1e6), len(frame), len(frame)) + frame)


# ---- Running txscreen and reading what it wrote ------------------------------------

CONFIG = '''# jpos_ebcdic_acceptance.py: an EBCDIC link described by a jPOS packager (link.xml),
# and the same link in code page 037: a TOML dialect file on link.xml.
[[feed]]
name = "link-1047"
port = %d
framing = "raw"
payload = "iso8583"
dialect = "link.xml"

[feed.map]
device_id = "48.01"
ip = "48.02"
email = "48.03"

[[feed]]
name = "link-037"
port = %d
framing = "raw"
payload = "iso8583"
dialect = "link037.toml"

[feed.map]
device_id = "48.01"
ip = "48.02"
email = "48.03"
''' % (PORT_1047, PORT_037)

DIALECT_037 = '''# The link of link.xml in code page 037: the packager's own definitions (a jPOS file
# as base), only the code page differs.
name = "link037"
base = "link.xml"

[encoding]
code_page = "cp037"
'''


def run_txscreen(txscreen, work, pcap, tag, tokenizer='aes-cmac'):
    spool = os.path.join(work, 'spool-' + tag)
    summary = os.path.join(work, 'summary-%s.json' % tag)
    config = os.path.join(work, 'txscreen-%s.toml' % tokenizer)
    with open(config, 'w') as f:
        f.write(CONFIG + '\n[tokenization]\ntokenizer = "%s"\n' % tokenizer)
    cmd = [txscreen, 'run', '--config', config, '--pcap', pcap, '--no-kafka',
           '--spool', spool, '--summary-json', summary, '--quiet', '--token-key', TOKEN_KEYS[tokenizer].hex()]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail('txscreen run (%s) exited %d:\n%s%s' % (tag, r.returncode, r.stdout, r.stderr))
    with open(summary) as f:
        return json.load(f), spool


def read_spool(spool, table):
    import avro.datafile
    import avro.io
    records = []
    for root, _, names in os.walk(os.path.join(spool, 'table=' + table)):
        for name in sorted(names):
            if name.endswith('.avro'):
                with open(os.path.join(root, name), 'rb') as f:
                    records.extend(avro.datafile.DataFileReader(f, avro.io.DatumReader()))
    return records


def decode_json(txscreen, work, pcap, feed):
    """`txscreen decode --config --feed --pcap --json`: one object per message."""
    cmd = [txscreen, 'decode', '--config', os.path.join(work, 'txscreen.toml'), '--feed', feed, '--pcap', pcap, '--json']
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail('txscreen decode exited %d:\n%s%s' % (r.returncode, r.stdout, r.stderr))
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


class Mismatches:
    """Counts differences by key, shows the first few of each."""

    def __init__(self):
        self.count = 0
        self.by_key = {}

    def check(self, what, got, want):
        if got != want:
            self.count += 1
            key = what.split()[-1]
            self.by_key[key] = self.by_key.get(key, 0) + 1
            if self.by_key[key] <= 3:
                print('MISMATCH %s: got %r, want %r' % (what, got, want))

    def summary(self):
        return ', '.join('%s %d' % kv for kv in sorted(self.by_key.items()))


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def card_token(pan, tokenizer):
    key = TOKEN_KEYS[tokenizer]
    if tokenizer == 'hmac-sha256':
        return hmac.new(key, pan.encode(), hashlib.sha256).digest()[:16].hex()
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(pan.encode())
    return mac.finalize().hex()


def expected_record(t, feed_id, tokenizer):
    token = card_token(t['pan'], tokenizer)
    return {
        'feed_id': feed_id, 'mti': int(t['mti']), 'stan': t['stan'], 'rrn': t['rrn'], 'terminal_id': t['terminal'],
        'acquirer_id': t['acquirer'], 'card_token': token, 'bin': t['pan'][:8], 'last4': t['pan'][-4:],
        'pan_len': len(t['pan']), 'amount_minor': t['amount'], 'currency': t['currency_alpha'],
        'currency_numeric': int(t['currency']), 'currency_exponent': t['exponent'],
        'merchant_id': t['merchant_id'], 'merchant_name': t['merchant_name'][:22].rstrip(),
        'mcc': int(t['mcc']), 'city': t['city'][:13], 'country': t['country'], 'channel': t['channel'],
        'account_id': t['account'], 'event_time_ms': t['event_time'] * 1000,
    }


def check_scored(records, txns_by_feed, tokenizer):
    m = Mismatches()
    by_rrn = {}
    for r in records:
        if r['rrn'] in by_rrn:
            m.check('rrn %s seen twice' % r['rrn'], True, False)
        by_rrn[r['rrn']] = r
    for feed_id, txns in txns_by_feed.items():
        for t in txns:
            r = by_rrn.get(t['rrn'])
            if r is None:
                m.check('verdict for rrn %s' % t['rrn'], None, 'present')
                continue
            got = dict(r)
            et = got['event_time_ms']
            if isinstance(et, datetime.datetime):  # timestamp-millis, read as a datetime
                got['event_time_ms'] = calendar.timegm(et.utctimetuple()) * 1000 + et.microsecond // 1000
            for key, want in expected_record(t, feed_id, tokenizer).items():
                m.check('rrn %s %s' % (t['rrn'], key), got.get(key), want)
    if m.count:
        print('differences by field: ' + m.summary())
    return m.count


def unmask(shown, sent):
    """decode masks digit runs that could be a PAN in text (an RRN of 12 digits with a
    valid Luhn digit): `sent` when `shown` is it with some digits starred, else `shown`."""
    if shown is None or len(shown) != len(sent) or '*' not in shown:
        return shown
    same = all(a == b or (a == '*' and b.isdigit()) for a, b in zip(shown, sent))
    return sent if same else shown


def check_decoded(objects, txns):
    """`txscreen decode --json`: every field as the dialect reads it (the PAN masked,
    48's sub-elements by tag in wire order), and the mapped Txn's fields the spool does
    not carry (device, IP, e-mail, region, POS data, local time)."""
    m = Mismatches()
    m.check('decode: messages', len(objects), len(txns))
    for obj, t in zip(objects, txns):
        if 'txn' not in obj:
            m.check('decode rrn %s reject' % t['rrn'], obj.get('reject'), None)
            continue
        fields = {f['field']: f for f in obj['fields']}
        m.check('decode rrn %s fields' % t['rrn'], sorted(fields), sorted([0, 1] + list(t['iso'])))
        m.check('decode rrn %s mti' % t['rrn'], fields.get(0, {}).get('value'), t['mti'])
        for fid, sent in t['iso'].items():
            got = fields.get(fid, {})
            if fid == 2:  # masked: BIN, stars, last 4
                pan = got.get('value', '')
                m.check('decode rrn %s pan' % t['rrn'], (len(pan), pan[:6], pan[-4:], '*' in pan),
                        (len(sent), sent[:6], sent[-4:], True))
            elif fid == 48:
                m.check('decode rrn %s 48.subs' % t['rrn'], [(s['id'], s['value']) for s in got.get('subs', [])],
                        [tuple(e) for e in sent])
            else:
                length = Packager.fixed_text_length(fid)
                want = sent.ljust(length) if length else sent
                m.check('decode rrn %s field%d' % (t['rrn'], fid), unmask(got.get('value'), want), want)
        txn = obj['txn']
        for key, want in (('device_id', t.get('device', '')), ('ip', t.get('ip', '')), ('email', t.get('email', '')),
                          ('region', t['region']), ('pos_entry_mode', t['entry']), ('pos_condition', t['condition']),
                          ('processing_code', t['processing_code']), ('expiry_yymm', int(t['expiry'])),
                          ('local_time', int(t['iso'][12])), ('local_date', int(t['iso'][13])), ('rrn', t['rrn'])):
            m.check('decode rrn %s %s' % (t['rrn'], key), txn.get(key), want)
    if m.count:
        print('differences by field: ' + m.summary())
    return m.count


# ---- Messages that do not fit ------------------------------------------------------

def bad_messages(pk, t, rng):
    """(name, message, reason, field) for each misfit, built from a good transaction."""
    v = iso_values(t, rng)
    v[48] = [('01', 'dev-1'), ('02', '198.51.100.1')]
    parts = pk.parts(t['mti'], v)
    good = b''.join(b for _, b in parts)

    def replaced(fid, wire):
        return b''.join(wire if f == fid else b for f, b in parts)
    out = []
    # 1. Field 4 with an EBCDIC letter ('A' = C1) among its digits.
    f4 = dict(parts)[4]
    out.append(('field 4 not digits', replaced(4, f4[:6] + pk.text('A') + f4[7:]), 'iso_bad_numeric', 4))
    # 2. A sub-element of 48 whose length runs past the end of the field: the last one
    #    says 45 characters and has 12.
    inner = '0105dev-1' + '0245198.51.100.1'
    bad48 = pk.text('%03d' % len(inner) + inner)
    assert len(bad48) == len(dict(parts)[48])
    out.append(('48 sub-element overrun', replaced(48, bad48), 'iso_bad_length_prefix', 48))
    # 3. A bit for field 60, which link.xml does not define, with plausible content
    #    after field 49 (the message has no field above 60).
    assert max(v) < UNDEFINED_FIELD
    bm = bytearray(dict(parts)[1])
    bm[(UNDEFINED_FIELD - 1) // 8] |= 0x80 >> ((UNDEFINED_FIELD - 1) % 8)
    out.append(('bit for undefined field 60', replaced(1, bytes(bm)) + pk.text('003ABC'), 'iso_unsupported_field',
                UNDEFINED_FIELD))
    return out, good


def check_rejects(txscreen, work, pk, t):
    """The misfits and one good message: rejected by reason and field in the run's
    summary, the spool's reject records and `txscreen decode`."""
    rng = random.Random(5)
    bads, good = bad_messages(pk, t, rng)
    pcap = os.path.join(work, 'bad.pcap')
    write_pcap(pcap, [(t['event_time'] + 1 + i, PORT_1047, msg) for i, (_, msg, _, _) in enumerate(bads)] +
               [(t['event_time'] + 10, PORT_1047, good)])
    summary, spool = run_txscreen(txscreen, work, pcap, 'bad')
    problems = []
    if summary['decoded'] != 1:
        problems.append('decoded %d, want 1 (the good message)' % summary['decoded'])
    for name, _, reason, _ in bads:
        want = sum(1 for b in bads if b[2] == reason)
        if summary['rejects'].get(reason) != want:
            problems.append('%s: rejects[%s] = %s, want %d' % (name, reason, summary['rejects'].get(reason), want))
    if sum(summary['rejects'].values()) != len(bads):
        problems.append('rejects %s, want %d in all' % ({k: v for k, v in summary['rejects'].items() if v}, len(bads)))
    # The spool's reject records (controlplane/schemas/rejects.avsc): reason and field.
    got = sorted((r['reason'], r.get('field')) for r in read_spool(spool, 'rejects'))
    want = sorted((reason, field) for _, _, reason, field in bads)
    if got != want:
        problems.append('spool rejects (reason, field) %s, want %s' % (got, want))
    # `txscreen decode` names the same reason and field.
    rejects = [o.get('reject') or {} for o in decode_json(txscreen, work, pcap, 'link-1047')]
    got = [(r.get('reason'), r.get('field')) for r in rejects]
    want = [(reason, field) for _, _, reason, field in bads] + [(None, None)]
    if got != want:
        problems.append('decode rejects (reason, field) %s, want %s' % (got, want))
    if problems:
        fail('misfits:\n  ' + '\n  '.join(problems))
    print('ok: misfits rejected with reason and field: %s' %
          ', '.join('%s -> %s, field %d' % (n, r, f) for n, _, r, f in bads))


# ---- main --------------------------------------------------------------------------

def write_files(work):
    xml_path = os.path.join(work, 'link.xml')
    write_packager_xml(xml_path)
    with open(os.path.join(work, 'link037.toml'), 'w') as f:
        f.write(DIALECT_037)
    with open(os.path.join(work, 'txscreen.toml'), 'w') as f:
        f.write(CONFIG)
    return xml_path


def build_capture(work, packagers, count):
    """Transactions per feed (0: link.xml in IBM1047, 1: code page 037), their messages
    in one capture in event-time order, and the datagrams."""
    # Event times a few days before now (the capture time is field 7's year reference).
    base = (int(datetime.datetime.now(datetime.timezone.utc).timestamp()) // 86400 - 3) * 86400
    txns = {0: make_txns(count, 1, base, 100000000000), 1: make_txns(count, 2, base, 200000000000)}
    rng = random.Random(3)
    datagrams = []
    for feed_id, port in ((0, PORT_1047), (1, PORT_037)):
        for t in txns[feed_id]:
            t['iso'] = iso_values(t, rng)
            datagrams.append((t['event_time'] + 0.25, port, packagers[feed_id].message(t['mti'], t['iso'])))
    datagrams.sort(key=lambda d: d[0])
    write_pcap(os.path.join(work, 'link.pcap'), datagrams)
    return txns, datagrams


def check_run(txscreen, work, txns, count, tokenizer):
    """`txscreen run`: every message decoded, and each scored record as sent, its card
    token the one `tokenizer` makes of the PAN."""
    summary, spool = run_txscreen(txscreen, work, os.path.join(work, 'link.pcap'), 'good-' + tokenizer, tokenizer)
    total = sum(len(v) for v in txns.values())
    rejected = {k: v for k, v in summary['rejects'].items() if v}
    if summary['decoded'] != total or rejected or not summary['identities_hold']:
        fail('decoded %d of %d, rejects %s, identities_hold %s' % (summary['decoded'], total, rejected,
                                                                  summary['identities_hold']))
    records = read_spool(spool, 'scored')
    if len(records) != total:
        fail('%d scored records in the spool, want %d' % (len(records), total))
    bad = check_scored(records, txns, tokenizer)
    if bad:
        fail('%d field values differ from what was sent (tokenizer %s)' % (bad, tokenizer))
    print('ok: %d messages (%d IBM1047 from link.xml, %d cp037 from link037.toml) decoded, 0 rejects, '
          'every field equal (PAN by its %s token, BIN and last 4)' % (total, count, count, tokenizer))


def check_decode(txscreen, work, txns, datagrams):
    """The same messages through `txscreen decode`, feed by feed: every field, and what
    the spool does not carry."""
    for feed_id, (feed, port) in enumerate((('link-1047', PORT_1047), ('link-037', PORT_037))):
        one = os.path.join(work, 'feed%d.pcap' % feed_id)
        write_pcap(one, [d for d in datagrams if d[1] == port])
        objects = decode_json(txscreen, work, one, feed)
        bad = check_decoded(objects, sorted(txns[feed_id], key=lambda t: t['event_time']))
        if bad:
            fail('txscreen decode: %d values differ' % bad)
        print('ok: txscreen decode --feed %s: every field of %d messages as sent (PAN masked), with device, '
              'IP and e-mail' % (feed, len(objects)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('txscreen')
    ap.add_argument('--count', type=int, default=2000, help='messages per feed (default 2000)')
    ap.add_argument('--keep', help='write the files here and keep them')
    a = ap.parse_args()

    table_1047 = ebcdic_1047()
    if table_1047 is None:
        print('SKIP: iconv cannot convert to IBM1047 (glibc gconv modules missing)')
        return SKIP
    try:
        import avro.datafile  # noqa: F401  (python3-avro reads the spool)
    except ImportError:
        print('SKIP: python3-avro is not installed')
        return SKIP
    work = a.keep or tempfile.mkdtemp(prefix='txscreen-jpos.')
    os.makedirs(work, exist_ok=True)
    try:
        xml_path = write_files(work)
        packagers = {0: Packager(xml_path, table_1047), 1: Packager(xml_path, ebcdic_037())}
        assert packagers[0].text('0123456789 AZaz') == bytes.fromhex('F0F1F2F3F4F5F6F7F8F940C1E981A9')
        assert packagers[0].text('[') != packagers[1].text('['), 'the code pages differ on [ ] ^'
        txns, datagrams = build_capture(work, packagers, a.count)
        for tokenizer in TOKEN_KEYS:
            check_run(a.txscreen, work, txns, a.count, tokenizer)
        check_decode(a.txscreen, work, txns, datagrams)
        check_rejects(a.txscreen, work, packagers[0], txns[0][1])
        return 0
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
