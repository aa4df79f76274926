// Prints a Parquet file's rows, one JSON object a line, through one of two independent
// readers, so tests can check that both read back exactly what was written (and that
// the Avro spool, dumped the same way, holds the same values).
//
//   node parquet_dump.mjs duckdb FILE.parquet...     rows through DuckDB (@duckdb/node-api)
//   node parquet_dump.mjs hyparquet FILE.parquet...  rows through hyparquet
//   node parquet_dump.mjs meta FILE.parquet...       DuckDB's parquet_metadata(), parquet_schema()
//                                                    and parquet_kv_metadata(), one JSON line each row
// Several files print one after another, in the order given (one node start for all).
// Modules come from NODE_PATH, else from <repo>/.npm-tools/node_modules.
// Both readers print about 1M rows of the scored table in well under a minute: DuckDB
// builds each line in SQL; hyparquet's values are written straight into an output buffer,
// row groups decoded in worker threads, one per CPU (PARQUET_DUMP_THREADS=N sets how many;
// 1: none, less memory, for a machine that is busy anyway).
//
// CANONICAL ROW FORM (identical for both readers and for the Avro dumper):
//   - one line per row: a JSON object whose keys are the top-level column names in
//     schema order, no spaces (JSON.stringify without indentation);
//   - boolean: true / false;
//   - int32: a JSON number;
//   - int64: the integer as a decimal JSON string ("-9223372036854775808");
//   - timestamp_ms: milliseconds since the Unix epoch as a decimal JSON string;
//   - decimal18_4: a JSON string with exactly 4 decimals ("12.3400", "-0.0500", "0.0000");
//   - float32 / float64: a JSON number as JavaScript's JSON.stringify writes the double
//     (shortest round-trip form: 1.5, 3, 1e+21, 1e-7; -0 prints as 0); a float32 is the
//     double value of the float (what Math.fround gives); NaN, Infinity and -Infinity
//     are the JSON strings "NaN", "Infinity", "-Infinity";
//   - string: a JSON string (JSON.stringify escaping: \" \\ \n and other control
//     characters as \uXXXX, non-ASCII written as UTF-8, not escaped);
//   - list: a JSON array of its elements in order ([] when empty);
//   - record (a list's record elements): a JSON object with its field names in schema order.
//
// hyparquet decodes the file; this script only shapes its values: DECIMAL columns are
// read as their raw INT64 (hyparquet would turn them into lossy doubles), timestamps as
// the raw milliseconds and strings as their UTF-8 bytes. hyparquet has no ZSTD of its
// own: ZSTD pages go through the zstd command-line tool (the reference implementation).
// Strings print as TextDecoder + JSON.stringify would print them (a leading byte-order
// mark dropped, invalid UTF-8 as U+FFFD), through either reader, as before.
import { execFileSync } from 'node:child_process'
import { isUtf8 } from 'node:buffer'
import fs from 'node:fs'
import os from 'node:os'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

const [mode, ...files] = isMainThread ? process.argv.slice(2) : ['hyparquet', workerData.file]
if (!['duckdb', 'hyparquet', 'meta'].includes(mode) || !files.length) {
    process.stderr.write('usage: node parquet_dump.mjs duckdb|hyparquet|meta FILE.parquet...\n')
    process.exit(2)
}

// ESM imports ignore NODE_PATH; CommonJS resolution does not, so resolve the entry
// file that way and import it by URL.
const require = createRequire(import.meta.url)
const repoModules = new URL('../../.npm-tools/node_modules', import.meta.url).pathname
async function load(name) {
    let entry
    try {
        entry = require.resolve(name)
    } catch {
        entry = require.resolve(name, { paths: [repoModules] })
    }
    return import(pathToFileURL(entry).href)
}

// ---- output: whole lines gather in one large buffer, written synchronously (survives
// a non-blocking pipe) ----
let out = Buffer.allocUnsafe(1 << 22), outAt = 0

function writeAll(bytes) {
    let done = 0
    while (done < bytes.length) {
        try {
            done += fs.writeSync(1, bytes, done, bytes.length - done)
        } catch (e) {
            if (e.code !== 'EAGAIN') throw e
        }
    }
}

// Where full buffers go: stdout, or (in a hyparquet worker) the main thread.
let sink = writeAll

function flush() {
    if (mode === 'duckdb') lowerHexEscapes()
    sink(out.subarray(0, outAt))
    outAt = 0
}

// Called after each line.
function lineDone() {
    out[outAt++] = 10
    if (outAt > out.length - (1 << 16)) flush()
}

function room(bytes) {
    if (outAt + bytes <= out.length) return
    const bigger = Buffer.allocUnsafe(Math.max(2 * out.length, outAt + bytes))
    out.copy(bigger, 0, 0, outAt)
    out = bigger
}

function putText(text) {  // UTF-8: at most 3 bytes a UTF-16 unit
    room(text.length * 3)
    outAt += out.write(text, outAt, 'utf8')
}

function putAscii(text) {
    const n = text.length
    room(n)
    const o = out, at = outAt
    for (let i = 0; i < n; i++) o[at + i] = text.charCodeAt(i)
    outAt = at + n
}

// A short run of bytes (a key): a loop beats a native copy's overhead.
function putShort(bytes) {
    const n = bytes.length
    room(n)
    const o = out, at = outAt
    for (let i = 0; i < n; i++) o[at + i] = bytes[i]
    outAt = at + n
}

function putBytes(bytes, start, end) {
    room(end - start)
    out.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), outAt)
    outAt += end - start
}

function emit(obj) {
    putText(JSON.stringify(obj))
    lineDone()
}

// DuckDB's to_json writes \u001A where JSON.stringify writes \u001a. JSON.stringify writes
// every \u escape in lower case, so lower-casing the hex of every escape in the buffered
// lines (stepping over \\ pairs) mends them and leaves the rest as it was.
const escapeStart = Buffer.from('\\u')
function lowerHexEscapes() {
    if (out.subarray(0, outAt).indexOf(escapeStart) < 0) return
    const text = out.toString('utf8', 0, outAt).replace(/\\(u[0-9A-Fa-f]{4}|.)/g, e => e.toLowerCase())
    outAt = 0
    putText(text)
}

// ---- canonical scalars ----
function decimal(unscaled, scale) {
    const negative = unscaled < 0n
    const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0')
    const text = scale ? digits.slice(0, -scale) + '.' + digits.slice(-scale) : digits
    return (negative ? '-' : '') + text
}

function jsonDouble(v) {
    if (v === null) return 'null'
    if (Number.isFinite(v)) return '' + v  // as JSON.stringify: -0 prints as 0
    return v > 0 ? '"Infinity"' : v < 0 ? '"-Infinity"' : '"NaN"'
}

// ---- DuckDB: SQL writes each row's JSON text; JavaScript only formats the doubles ----
// Per row, one BLOB holds the canonical line's UTF-8 with the byte 0x01 where a double goes
// (JSON text never holds a raw control character: strings escape them) and one DOUBLE[]
// holds the row's doubles in the order they appear; JavaScript formats them, as DuckDB's
// own double-to-text differs (1e-07, 100.0). Strings go through DuckDB's to_json, which
// escapes as JSON.stringify does but for upper-case hex in a few \u escapes, mended as the
// lines are written (lowerHexEscapes).
const doubleMark = '\x01'

let DuckDBTypeId
async function duckdbConnection() {
    const duckdb = await load('@duckdb/node-api')
    DuckDBTypeId = duckdb.DuckDBTypeId
    const instance = await duckdb.DuckDBInstance.create(':memory:')
    return instance.connect()
}

const sqlText = s => `'${s.replaceAll("'", "''")}'`
const sqlName = s => `"${s.replaceAll('"', '""')}"`

// TextDecoder (which read DuckDB's strings before) drops a leading byte-order mark: so does this.
function jsonString(x) {
    return `CASE WHEN starts_with(${x}, chr(65279)) THEN to_json(${x}[2:])::VARCHAR ELSE to_json(${x})::VARCHAR END`
}

function wholeMillis(x, perMilli, epochUnits) {
    return `CASE WHEN ${epochUnits}(${x}) % ${perMilli} <> 0 ` +
        `THEN error(concat('duckdb: timestamp ', ${epochUnits}(${x}), ' is not whole milliseconds')) ` +
        `ELSE '"' || epoch_ms(${x}) || '"' END`
}

// SQL for the JSON text of `x`, a value of DuckDB type `type`; `depth` names lambda parameters.
function jsonText(x, type, depth) {
    const T = DuckDBTypeId
    switch (type.typeId) {
        case T.BOOLEAN: return `CASE WHEN ${x} IS NULL THEN 'null' WHEN ${x} THEN 'true' ELSE 'false' END`
        case T.TINYINT: case T.SMALLINT: case T.INTEGER:
        case T.UTINYINT: case T.USMALLINT: case T.UINTEGER:
            return `coalesce(${x}::VARCHAR, 'null')`
        case T.BIGINT: case T.UBIGINT: case T.HUGEINT: case T.UHUGEINT: case T.DECIMAL:
            return `coalesce('"' || ${x}::VARCHAR || '"', 'null')`
        case T.TIMESTAMP_MS: return `coalesce('"' || epoch_ms(${x}) || '"', 'null')`
        case T.TIMESTAMP: case T.TIMESTAMP_TZ: return `coalesce(${wholeMillis(x, 1000, 'epoch_us')}, 'null')`
        case T.TIMESTAMP_NS: return `coalesce(${wholeMillis(x, 1000000, 'epoch_ns')}, 'null')`
        case T.FLOAT: case T.DOUBLE: return `chr(1)`
        case T.VARCHAR: return `coalesce(${jsonString(x)}, 'null')`
        case T.LIST: {
            const e = `e${depth}`
            return `coalesce('[' || array_to_string(list_transform(${x}, ${e} -> ${jsonText(e, type.valueType, depth + 1)}), ',') || ']', 'null')`
        }
        case T.STRUCT: {
            const fields = type.entryNames.map((name, i) =>
                `${sqlText((i ? ',' : '{') + JSON.stringify(name) + ':')}, ${jsonText(`struct_extract(${x}, ${sqlText(name)})`, type.entryTypes[i], depth)}`)
            return `CASE WHEN ${x} IS NULL THEN 'null' ELSE concat(${fields.join(', ')}, '}') END`
        }
    }
    throw new Error(`duckdb: column type ${type} is not one of the lake's`)
}

// SQL for the DOUBLE[] of the doubles in `x`, in text order; null when it holds none.
function doublesIn(x, type, depth) {
    const T = DuckDBTypeId
    if (type.typeId === T.FLOAT || type.typeId === T.DOUBLE) return `[${x}::DOUBLE]`
    if (type.typeId === T.LIST) {
        const e = `e${depth}`, inner = doublesIn(e, type.valueType, depth + 1)
        if (!inner) return null
        if (inner === `[${e}::DOUBLE]`) return `coalesce(${x}::DOUBLE[], [])`
        return `coalesce(flatten(list_transform(${x}, ${e} -> ${inner})), [])`
    }
    if (type.typeId === T.STRUCT) {
        const parts = type.entryNames.map((name, i) => doublesIn(`struct_extract(${x}, ${sqlText(name)})`, type.entryTypes[i], depth))
            .filter(Boolean)
        if (!parts.length) return null
        return `CASE WHEN ${x} IS NULL THEN []::DOUBLE[] ELSE ${concatLists(parts)} END`
    }
    return null
}

const concatLists = parts => parts.length === 1 ? parts[0] : `list_concat(${parts.join(', ')})`

async function duckdbRowQuery(connection, file) {
    const probe = await connection.run('SELECT * FROM read_parquet(?, hive_partitioning = false) LIMIT 0', [file])
    const names = probe.columnNames(), types = probe.columnTypes()
    const pieces = names.map((name, i) => `${sqlText((i ? ',' : '{') + JSON.stringify(name) + ':')}, ${jsonText(sqlName(name), types[i], 0)}`)
    const doubles = names.map((name, i) => doublesIn(sqlName(name), types[i], 0)).filter(Boolean)
    const line = `encode(${names.length ? `concat(${pieces.join(', ')}, '}')` : `'{}'`})`
    return `SELECT ${line} AS line${doubles.length ? `, ${concatLists(doubles)} AS doubles` : ''} FROM read_parquet(?, hive_partitioning = false)`
}

function putDuckDBLine(bytes, doubles, at, count) {
    let start = 0
    for (let k = 0; k < count; k++) {
        const mark = bytes.indexOf(1, start)
        if (mark < 0) throw new Error('duckdb: doubles and their places disagree')
        putBytes(bytes, start, mark)
        putAscii(jsonDouble(doubles.getItem(at + k)))
        start = mark + 1
    }
    if (bytes.indexOf(1, start) >= 0) throw new Error('duckdb: doubles and their places disagree')
    putBytes(bytes, start, bytes.length)
    lineDone()
}

async function dumpDuckDB(connection, file) {
    const result = await connection.stream(await duckdbRowQuery(connection, file), [file])
    const hasDoubles = result.columnCount === 2
    let printed = 0
    for (;;) {
        const chunk = await result.fetchChunk()
        if (!chunk || chunk.rowCount === 0) break
        const lines = chunk.getColumnVector(0)
        const doubleLists = hasDoubles ? chunk.getColumnVector(1) : null
        const doubles = doubleLists?.childVector
        for (let row = 0, rows = chunk.rowCount; row < rows; row++) {
            const bytes = lines.getItemBytes(row)
            if (doubleLists) putDuckDBLine(bytes, doubles, doubleLists.getEntryOffset(row), doubleLists.getEntryLength(row))
            else putDuckDBLine(bytes, null, 0, 0)
        }
        printed += chunk.rowCount
    }
    // A stream that fails part-way just ends (the Node API has no way to ask why): count.
    const rows = await connection.runAndReadAll('SELECT count(*) FROM read_parquet(?, hive_partitioning = false)', [file])
    const expected = Number(rows.getRows()[0][0])
    if (printed !== expected) throw new Error(`duckdb: the read stopped after ${printed} of ${expected} rows`)
}

// ---- hyparquet: the file's schema tree says the type ----
function isList(element) {
    return element.converted_type === 'LIST' || element.logical_type?.type === 'LIST'
}

function isDecimal(element) {
    return element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL'
}

// Writes a value's JSON text straight into the output, by the schema node it belongs to.
function hyparquetWriter(node) {
    const { element, children } = node
    if (isList(element)) {
        const putElement = hyparquetWriter(children[0].children[0])  // x / list / element
        return v => {
            if (v == null) return putAscii('null')
            out[outAt++] = 91  // [
            for (let k = 0; k < v.length; k++) {
                if (k) out[outAt++] = 44  // ,
                room(64)
                putElement(v[k])
            }
            room(2)
            out[outAt++] = 93  // ]
        }
    }
    if (children.length) {
        const fields = children.map((c, i) => ({ name: c.element.name, key: jsonKey(c.element.name, i), put: hyparquetWriter(c) }))
        return v => {
            if (v == null) return putAscii('null')
            for (let f = 0; f < fields.length; f++) {
                const field = fields[f]
                putShort(field.key)
                room(64)
                field.put(v[field.name])
            }
            room(2)
            out[outAt++] = 125  // }
        }
    }
    if (isDecimal(element)) {
        const scale = element.scale ?? 0
        return v => v == null ? putAscii('null') : putText(JSON.stringify(decimal(BigInt(v), scale)))
    }
    if (element.type === 'BYTE_ARRAY') return putStringBytes
    return putScalar
}

// The key of field i, with the ',' or '{' before it: ,"name":
function jsonKey(name, i) {
    return Buffer.from((i ? ',' : '{') + JSON.stringify(name) + ':')
}

// A value hyparquet decoded; room(64) was made for it.
function putScalar(v) {
    switch (typeof v) {
        case 'number':
            if ((v | 0) === v) return putInt(v)
            return putAscii(jsonDouble(v))
        case 'bigint': return putBigInt(v)
        case 'boolean': return putAscii(v ? 'true' : 'false')
    }
    if (v == null) return putAscii('null')
    putText(JSON.stringify(v))
}

const safeLow = BigInt(Number.MIN_SAFE_INTEGER), safeHigh = BigInt(Number.MAX_SAFE_INTEGER)
function putBigInt(v) {  // as a JSON string; the usual sizes without making one
    if (v < safeLow || v > safeHigh) return putAscii('"' + v + '"')
    out[outAt++] = 34
    let n = Number(v)
    if (n < 0) out[outAt++] = 45, n = -n  // -
    const o = out, first = outAt
    let at = first
    do {
        const q = Math.floor(n / 10)
        o[at++] = 48 + (n - q * 10)
        n = q
    } while (n)
    for (let i = first, j = at - 1; i < j; i++, j--) {
        const t = o[i]
        o[i] = o[j]
        o[j] = t
    }
    o[at++] = 34
    outAt = at
}

function putInt(v) {
    const o = out
    let at = outAt
    if (v < 0) {
        if (v === -2147483648) return putAscii('-2147483648')
        o[at++] = 45  // -
        v = -v
    }
    const first = at
    do {
        o[at++] = 48 + v % 10
        v = (v / 10) | 0
    } while (v)
    for (let i = first, j = at - 1; i < j; i++, j--) {
        const t = o[i]
        o[i] = o[j]
        o[j] = t
    }
    outAt = at
}

// UTF-8 bytes as a JSON string, escaped as JSON.stringify escapes the decoded text. Text
// that TextDecoder would alter (invalid UTF-8: replacement characters; a leading BOM:
// dropped) goes through TextDecoder, as hyparquet's own string decoding does.
const textDecoder = new TextDecoder()
const hexDigits = '0123456789abcdef'
function putStringBytes(bytes) {
    if (bytes == null) return putAscii('null')
    const n = bytes.length
    room(n * 6 + 2)
    const o = out, start = outAt
    let at = start, high = 0
    o[at++] = 34  // "
    for (let i = 0; i < n; i++) {
        const b = bytes[i]
        high |= b
        if (b >= 0x20 && b !== 34 && b !== 92) {
            o[at++] = b
            continue
        }
        o[at++] = 92  // \
        switch (b) {
            case 34: o[at++] = 34; break
            case 92: o[at++] = 92; break
            case 8: o[at++] = 98; break    // b
            case 9: o[at++] = 116; break   // t
            case 10: o[at++] = 110; break  // n
            case 12: o[at++] = 102; break  // f
            case 13: o[at++] = 114; break  // r
            default:
                o[at++] = 117  // u00XX
                o[at++] = 48
                o[at++] = 48
                o[at++] = hexDigits.charCodeAt(b >> 4)
                o[at++] = hexDigits.charCodeAt(b & 15)
        }
    }
    o[at++] = 34
    outAt = at
    if (high & 0x80 && (!isUtf8(bytes) || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf))) {
        outAt = start
        putText(JSON.stringify(textDecoder.decode(bytes)))
    }
}

// The same metadata with DECIMAL annotations removed, so hyparquet hands back the raw INT64.
function withRawDecimals(metadata) {
    const schema = metadata.schema.map(e => {
        if (!isDecimal(e)) return e
        const { converted_type, logical_type, ...rest } = e
        return rest
    })
    return { ...metadata, schema }
}

// ---- ZSTD for hyparquet: the zstd command-line tool, one run per row group ----
// hyparquet asks for one page at a time, and a zstd run per page (thousands) costs more
// than the reading. So before a row group is read, its ZSTD pages are found (walking the
// page headers with hyparquet's own parser) and decompressed in one run over the
// concatenated frames; a page is then answered from what that run gave for the same bytes,
// and any page not found there gets its own run.
const zstdPages = new Map()  // key of the compressed bytes -> [{ input, output }]

const zstdKey = input => `${input.length}:${Buffer.from(input.buffer, input.byteOffset, Math.min(32, input.length)).toString('hex')}`

function zstdRun(input) {
    return new Uint8Array(execFileSync('zstd', ['-d', '-c', '-q'], { input, maxBuffer: 1 << 30 }))
}

function zstdDecompress(input) {
    for (const page of zstdPages.get(zstdKey(input)) ?? []) {
        if (Buffer.compare(page.input, input) === 0) return page.output
    }
    return zstdRun(input)
}

// The compressed parts of the ZSTD pages of one column chunk, with their uncompressed sizes.
function zstdFrames(chunkBytes, parquetHeader) {
    const frames = []
    const reader = { view: new DataView(chunkBytes.buffer, chunkBytes.byteOffset, chunkBytes.byteLength), offset: 0 }
    while (reader.offset < chunkBytes.length - 1) {
        const header = parquetHeader(reader)
        const page = chunkBytes.subarray(reader.offset, reader.offset + header.compressed_page_size)
        reader.offset += header.compressed_page_size
        if (header.type === 'DATA_PAGE' || header.type === 'DICTIONARY_PAGE') {
            frames.push({ input: page, size: header.uncompressed_page_size })
        } else if (header.type === 'DATA_PAGE_V2') {
            const v2 = header.data_page_header_v2, levels = v2.definition_levels_byte_length + v2.repetition_levels_byte_length
            const size = header.uncompressed_page_size - levels
            if (v2.is_compressed !== false && size) frames.push({ input: page.subarray(levels), size })
        }
    }
    return frames
}

async function decompressZstdPages(buffer, group, parquetHeader) {
    zstdPages.clear()
    const frames = []
    for (const { meta_data: meta } of group.columns) {
        if (meta?.codec !== 'ZSTD') continue
        const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
        const bytes = new Uint8Array(await buffer.slice(start, start + Number(meta.total_compressed_size)))
        try {
            frames.push(...zstdFrames(bytes, parquetHeader))
        } catch {
            // left to the page-by-page runs, which report what is wrong
        }
    }
    if (!frames.length) return
    let output
    try {
        output = zstdRun(Buffer.concat(frames.map(f => f.input)))
    } catch {
        return  // the same: a bad frame fails on its own run, naming the error
    }
    if (output.length !== frames.reduce((sum, f) => sum + f.size, 0)) return
    let at = 0
    for (const { input, size } of frames) {
        const key = zstdKey(input)
        if (!zstdPages.has(key)) zstdPages.set(key, [])
        zstdPages.get(key).push({ input, output: output.subarray(at, at + size) })
        at += size
    }
}

// One row group's columns, as hyparquet hands them over: per top-level column, its
// chunks in row order.
async function readRowGroup(parquetRead, options, rowStart, rowEnd) {
    const chunks = new Map()
    await parquetRead({
        ...options, rowStart, rowEnd,
        onChunk: ({ columnName, columnData, rowStart: at }) => {
            if (!chunks.has(columnName)) chunks.set(columnName, [])
            chunks.get(columnName).push({ at, columnData })
        },
    })
    return chunks
}

// Walks one column's chunks value by value.
function columnCursor(chunks, rowStart, rowEnd, name) {
    const ordered = (chunks ?? []).sort((a, b) => a.at - b.at)
    let next = rowStart
    for (const { at, columnData } of ordered) {
        if (at !== next) throw new Error(`hyparquet: column ${name} has no rows ${next} to ${at}`)
        next += columnData.length
    }
    if (next !== rowEnd) throw new Error(`hyparquet: column ${name} ends at row ${next}, not ${rowEnd}`)
    let k = 0, i = 0, data = ordered[0]?.columnData
    return () => {
        while (i >= data.length) data = ordered[++k].columnData, i = 0
        return data[i++]
    }
}

async function openHyparquet(file) {
    const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await load('hyparquet')
    const { parquetHeader } = await load('hyparquet/src/column.js')
    const buffer = await asyncBufferFromFile(file)
    const metadata = await parquetMetadataAsync(buffer)
    const columns = parquetSchema(metadata).children.map((c, i) => ({
        name: c.element.name, key: jsonKey(c.element.name, i), put: hyparquetWriter(c),
    }))
    const options = {
        file: buffer,
        metadata: withRawDecimals(metadata),
        compressors: { ZSTD: zstdDecompress },
        parsers: { timestampFromMilliseconds: millis => millis, stringFromBytes: bytes => bytes },
    }
    const groupStarts = [0]
    for (const group of metadata.row_groups) groupStarts.push(groupStarts.at(-1) + Number(group.num_rows))
    return { buffer, metadata, columns, options, groupStarts, parquetRead, parquetHeader }
}

// Row group g's rows into the output.
async function putRowGroup(h, g) {
    const { columns, groupStarts } = h, rowStart = groupStarts[g], rowEnd = groupStarts[g + 1]
    await decompressZstdPages(h.buffer, h.metadata.row_groups[g], h.parquetHeader)
    const chunks = await readRowGroup(h.parquetRead, h.options, rowStart, rowEnd)
    zstdPages.clear()
    const cursors = columns.map(c => columnCursor(chunks.get(c.name), rowStart, rowEnd, c.name))
    for (let row = rowStart; row < rowEnd; row++) {
        for (let i = 0; i < columns.length; i++) {
            putShort(columns[i].key)
            room(64)
            columns[i].put(cursors[i]())
        }
        room(2)
        out[outAt++] = 125  // }
        lineDone()
    }
}

// Row groups decode in worker threads (one per CPU), each printing whole row groups; the
// main thread writes them in file order, holding at most a few groups ahead.
async function dumpHyparquet(file) {
    const h = await openHyparquet(file)
    const groups = h.metadata.row_groups.length
    const cpus = Number(process.env.PARQUET_DUMP_THREADS) || (os.availableParallelism?.() ?? os.cpus().length)
    const threads = Math.min(cpus, groups)
    if (threads < 2) {
        for (let g = 0; g < groups; g++) await putRowGroup(h, g)
        return
    }
    flush()
    const printed = []  // per group: { parts: [Buffer], done }
    let nextToWrite = 0, nextToRead = 0
    await new Promise((resolve, reject) => {
        const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { file } }))
        const idle = [...workers]
        let finished = false
        const finish = error => {
            if (finished) return
            finished = true
            for (const w of workers) w.terminate()
            error ? reject(error) : resolve()
        }
        const dispatch = () => {
            while (idle.length && nextToRead < groups && nextToRead < nextToWrite + threads) {
                printed[nextToRead] = { parts: [], done: false }
                idle.pop().postMessage(nextToRead++)
            }
        }
        const drain = () => {
            while (nextToWrite < groups && printed[nextToWrite]) {
                const p = printed[nextToWrite]
                for (const part of p.parts) writeAll(part)
                p.parts = []
                if (!p.done) return
                printed[nextToWrite++] = null
            }
            if (nextToWrite === groups) finish()
            else dispatch()
        }
        for (const w of workers) {
            w.on('message', ({ group, bytes, done }) => {
                if (bytes) printed[group].parts.push(Buffer.from(bytes))
                if (done) printed[group].done = true, idle.push(w)
                try {
                    drain()
                } catch (e) {
                    finish(e)
                }
            })
            w.on('error', finish)
            w.on('exit', code => code && finish(new Error(`hyparquet worker exited with ${code}`)))
        }
        dispatch()
    })
}

// A worker: prints the row groups the main thread sends, posting each full buffer.
async function hyparquetWorker() {
    const h = await openHyparquet(workerData.file)
    let group
    sink = bytes => {
        const copy = new Uint8Array(bytes.length)
        copy.set(bytes)
        parentPort.postMessage({ group, bytes: copy }, [copy.buffer])
    }
    parentPort.on('message', async g => {
        group = g
        await putRowGroup(h, g)
        flush()
        parentPort.postMessage({ group, done: true })
    })
}

// ---- meta: what tests assert about encodings, codecs, statistics and types ----
async function dumpMeta(connection, file) {
    const queries = [
        ['column', 'SELECT * FROM parquet_metadata(?)'],
        ['schema', 'SELECT * FROM parquet_schema(?)'],
        ['kv', 'SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(?)'],
        ['file', 'SELECT * FROM parquet_file_metadata(?)'],
    ]
    for (const [kind, sql] of queries) {
        const reader = await connection.runAndReadAll(sql, [file])
        for (const row of reader.getRowObjectsJson()) emit({ kind, ...row })
    }
}

let file
try {
    if (!isMainThread) {
        await hyparquetWorker()
    } else {
        const connection = mode === 'hyparquet' ? null : await duckdbConnection()
        for (file of files) {
            if (mode === 'duckdb') await dumpDuckDB(connection, file)
            else if (mode === 'hyparquet') await dumpHyparquet(file)
            else await dumpMeta(connection, file)
        }
        flush()
    }
} catch (e) {
    try {
        flush()
    } catch {
        // the reader's error is the one to report
    }
    process.stderr.write(`parquet_dump ${mode} ${file ?? files.join(' ')}: ${e.stack || e}\n`)
    process.exit(1)
}
