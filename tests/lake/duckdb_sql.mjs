// Runs a SQL file in an in-memory DuckDB (npm @duckdb/node-api), then each query given
// after it, printing each query's rows as JSON lines: checks that the DDL `txscreen lake
// ddl --target duckdb` prints runs as is, and what it then reads.
//   NODE_PATH=.npm-tools/node_modules node duckdb_sql.mjs FILE.sql ['SELECT ...' ...]
// Exit 1 with DuckDB's error on stderr when a statement fails.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ES modules ignore NODE_PATH: resolve the package from it (or the repository's
// .npm-tools) by hand.
const here = dirname(fileURLToPath(import.meta.url));
const roots = [...(process.env.NODE_PATH || '').split(':').filter(Boolean), join(here, '../../.npm-tools/node_modules')];
const entry = createRequire(import.meta.url).resolve('@duckdb/node-api', { paths: roots });
const { DuckDBInstance } = await import(pathToFileURL(entry).href);

const [file, ...queries] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: duckdb_sql.mjs FILE.sql [QUERY...]\n');
  process.exit(2);
}
try {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(readFileSync(file, 'utf8'));
  for (const q of queries) {
    const reader = await connection.runAndReadAll(q);
    for (const row of reader.getRowObjectsJson()) process.stdout.write(JSON.stringify(row) + '\n');
  }
} catch (e) {
  process.stderr.write(`duckdb_sql.mjs: ${e.message}\n`);
  process.exit(1);
}
