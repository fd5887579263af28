/**
 * Schema inference for delimited text, following Glue's built-in CSV classifier:
 * - delimiters it recognises: comma, pipe, tab, semicolon, Ctrl-A;
 * - column types: boolean, bigint, double, else string (dates and timestamps stay string; Glue's
 *   built-in classifier does not type them);
 * - a first row is a header only if every value in it is a string, every value but the last is shorter
 *   than 150 characters and is a valid column name, and at least one data row has a non-string value;
 *   otherwise the columns are named col0, col1, ...;
 * - quoted values make the table use OpenCSVSerde, plain ones LazySimpleSerDe.
 */

export type GlueCsvType = 'boolean' | 'bigint' | 'double' | 'string';

export interface CsvSchema {
  delimiter: string;
  quoted: boolean;
  hasHeader: boolean;
  columns: { Name: string; Type: GlueCsvType }[];
  /** Records seen in the sample. */
  sampledRecords: number;
}

const DELIMITERS = [',', '|', '\t', ';', '\u0001'];
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_ ]*$/;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Splits one line into fields, honouring quotes (a doubled quote inside quotes is a quote). */
export function splitCsvLine(
  line: string,
  delimiter: string,
  quote = '"',
): { fields: string[]; quoted: boolean } {
  const fields: string[] = [];
  let quoted = false;
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (inQuotes) {
      if (c === quote && line[i + 1] === quote) {
        field += quote;
        i++;
      } else if (c === quote) {
        inQuotes = false;
      } else {
        field += c;
      }
    } else if (c === quote && field.length === 0) {
      inQuotes = true;
      quoted = true;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field);
  return { fields, quoted };
}

/** The narrowest Glue type of one value; undefined for an empty value, which says nothing. */
export function valueType(raw: string): GlueCsvType | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (/^(true|false)$/i.test(value)) return 'boolean';
  if (/^[+-]?\d+$/.test(value)) {
    const n = BigInt(value);
    return n >= LONG_MIN && n <= LONG_MAX ? 'bigint' : 'double';
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return 'double';
  return 'string';
}

/** The type that holds values of both types. */
export function widen(a: GlueCsvType | undefined, b: GlueCsvType | undefined): GlueCsvType | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  if ((a === 'bigint' && b === 'double') || (a === 'double' && b === 'bigint')) return 'double';
  return 'string';
}

/**
 * Glue's test of a first row for a header: every value a string, all but the last shorter than 150
 * characters and a valid column name, and some column of the data rows typed other than string.
 */
export function looksLikeHeader(
  first: readonly string[],
  restTypes: readonly (string | undefined)[],
): boolean {
  return (
    first.every((v) => valueType(v) === 'string') &&
    first.every((v, i) => i === first.length - 1 || v.length < 150) &&
    first.every((v) => COLUMN_NAME.test(v.trim())) &&
    restTypes.some((t) => t !== undefined && t !== 'string')
  );
}

function pickDelimiter(lines: string[]): string | undefined {
  // The delimiter that splits every sampled line into the same number (> 1) of fields.
  for (const delimiter of DELIMITERS) {
    const counts = lines.map((l) => splitCsvLine(l, delimiter).fields.length);
    if ((counts[0] as number) > 1 && counts.every((c) => c === counts[0])) return delimiter;
  }
  return undefined;
}

/**
 * Infers the schema of a sample of a delimited file (its first bytes). Returns undefined when the sample
 * is not delimited text Glue's CSV classifier would take.
 */
export function inferCsvSchema(sample: string, sampleIsTruncated: boolean): CsvSchema | undefined {
  let lines = sample.split(/\r?\n/);
  // A sample cut mid-file ends mid-line; that last line would mislead the inference.
  if (sampleIsTruncated && lines.length > 1) lines = lines.slice(0, -1);
  lines = lines.filter((l) => l.length > 0);
  if (lines.length === 0) return undefined;
  const delimiter = pickDelimiter(lines.slice(0, 100));
  if (delimiter === undefined) return undefined;

  const rows = lines.map((l) => splitCsvLine(l, delimiter));
  const quoted = rows.some((r) => r.quoted);
  const width = Math.max(...rows.map((r) => r.fields.length));
  const first = rows[0]?.fields ?? [];
  const rest = rows.slice(1);
  const typesOf = (subset: typeof rows): (GlueCsvType | undefined)[] =>
    Array.from({ length: width }, (_, i) =>
      subset.reduce<GlueCsvType | undefined>((t, r) => widen(t, valueType(r.fields[i] ?? '')), undefined),
    );
  const restTypes = typesOf(rest);
  const hasHeader = rest.length > 0 && looksLikeHeader(first, restTypes);
  const dataTypes = hasHeader ? restTypes : typesOf(rows);
  const columns = dataTypes.map((type, i) => ({
    Name: hasHeader ? (first[i] ?? `col${i}`).trim().toLowerCase() : `col${i}`,
    Type: type ?? 'string',
  }));
  return { delimiter, quoted, hasHeader, columns, sampledRecords: hasHeader ? rest.length : rows.length };
}
