/**
 * Parquet schemas for the crawler, read from the file's footer by DuckDB and named in Hive's types as
 * Glue's catalog names them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Parquet files begin and end with these four bytes. */
export const PARQUET_MAGIC = Buffer.from('PAR1');

/** Maps a DuckDB column type to the Hive type Glue writes into the catalog. */
export function hiveTypeOf(duckType: string): string {
  const type = duckType.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  if (type.endsWith('[]')) return `array<${hiveTypeOf(type.slice(0, -2))}>`;
  const simple: Record<string, string> = {
    BOOLEAN: 'boolean',
    TINYINT: 'tinyint',
    SMALLINT: 'smallint',
    INTEGER: 'int',
    BIGINT: 'bigint',
    UTINYINT: 'smallint',
    USMALLINT: 'int',
    UINTEGER: 'bigint',
    UBIGINT: 'decimal(20,0)',
    HUGEINT: 'decimal(38,0)',
    FLOAT: 'float',
    DOUBLE: 'double',
    VARCHAR: 'string',
    BLOB: 'binary',
    DATE: 'date',
    TIMESTAMP: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
    TIMESTAMP_MS: 'timestamp',
    TIMESTAMP_NS: 'timestamp',
    TIMESTAMP_S: 'timestamp',
  };
  return simple[type] ?? 'string';
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Columns and row count of a parquet file on disk. */
export async function readParquetSchema(
  connection: DuckDBConnection,
  file: string,
): Promise<{ columns: { Name: string; Type: string }[]; rows: number }> {
  const described = await connection.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)})`,
  );
  const columns = described.getRowObjectsJson().map((row) => ({
    Name: String(row['column_name']).toLowerCase(),
    Type: hiveTypeOf(String(row['column_type'])),
  }));
  const metadata = await connection.runAndReadAll(
    `SELECT sum(num_rows) AS num_rows FROM parquet_file_metadata(${quoteLiteral(file)})`,
  );
  const rows = Number(metadata.getRowObjectsJson()[0]?.['num_rows'] ?? 0);
  return { columns, rows };
}
