/**
 * Custom CSV classifiers: the request validation of CreateClassifier/UpdateClassifier (CsvClassifier
 * members as the Glue API reference constrains them) and what a crawler does with one: read a text
 * file with the classifier's delimiter and quote, take the column names from its Header (or the file's
 * header row), and type the values. docs/local-cloud.md lists where this differs from Glue.
 */
import type { Classifier, CsvClassifier } from '@aws-sdk/client-glue';
import { glueErrors } from '../common/errors';
import { reader, type JsonObject } from '../common/validation';
import { looksLikeHeader, splitCsvLine, valueType } from './csv-schema';

const read = reader('InvalidInputException');
const { invalidInput } = glueErrors;

export const CSV_HEADER_OPTIONS = ['UNKNOWN', 'PRESENT', 'ABSENT'] as const;
/** CsvClassifier.CustomDatatypes' values (API reference, CsvClassifier). */
export const CSV_CUSTOM_DATATYPES = [
  'BINARY',
  'BOOLEAN',
  'DATE',
  'DECIMAL',
  'DOUBLE',
  'FLOAT',
  'INT',
  'LONG',
  'SHORT',
  'STRING',
  'TIMESTAMP',
] as const;
export const CSV_SERDES = ['OpenCSVSerDe', 'LazySimpleSerDe', 'None'] as const;
/** The classifier kinds of the API; the local Glue keeps CSV ones only. */
const OTHER_KINDS = ['GrokClassifier', 'XMLClassifier', 'JsonClassifier'] as const;

/** Name and Header strings: 1 to 255 characters of the API's single-line string pattern. */
const SINGLE_LINE = /^[\u0020-\uFFFD\t]*$/u;

function nameString(value: unknown, member: string): string {
  if (typeof value !== 'string') throw invalidInput(`${member} must be a string.`);
  if (value.length < 1 || value.length > 255)
    throw invalidInput(`${member} must be 1 to 255 characters long; got ${value.length}.`);
  if (!SINGLE_LINE.test(value))
    throw invalidInput(
      `${member} ${JSON.stringify(value)} may not contain line breaks or control characters.`,
    );
  return value;
}

function oneCharacter(input: JsonObject, member: 'Delimiter' | 'QuoteSymbol'): string | undefined {
  const value = read.optionalString(input, member, 'CsvClassifier.');
  if (value === undefined) return undefined;
  if (value.length !== 1 || value === '\r' || value === '\n') {
    throw invalidInput(
      `CsvClassifier.${member} must be exactly one character other than a line break; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** The one CsvClassifier of a Create/UpdateClassifier request; other kinds get a clear refusal. */
export function csvMemberOf(request: JsonObject, prefix: 'Create' | 'Update'): JsonObject {
  const given = [...OTHER_KINDS, 'CsvClassifier'].filter(
    (k) => request[k] !== undefined && request[k] !== null,
  );
  if (given.length !== 1) {
    throw invalidInput(
      `${prefix}Classifier takes exactly one of GrokClassifier, XMLClassifier, JsonClassifier, CsvClassifier; got ${given.length === 0 ? 'none' : given.join(', ')}.`,
    );
  }
  if (given[0] !== 'CsvClassifier') {
    throw invalidInput(`The local Glue keeps CSV classifiers only; ${given[0]} is not supported here.`);
  }
  return read.requiredObject(request, 'CsvClassifier');
}

/**
 * The stored classifier of a CreateCsvClassifierRequest, or of an UpdateCsvClassifierRequest merged
 * into `existing` (a member left out keeps its value, as UpdateClassifier documents).
 */
export function csvClassifierFromInput(
  input: JsonObject,
  existing?: CsvClassifier,
  now = new Date(),
): CsvClassifier {
  const name = nameString(input['Name'], 'CsvClassifier.Name');
  const delimiter = oneCharacter(input, 'Delimiter') ?? existing?.Delimiter;
  const quote = oneCharacter(input, 'QuoteSymbol') ?? existing?.QuoteSymbol;
  // The API reference: the quote symbol "must be different from the column delimiter" (defaults , and ").
  if ((delimiter ?? ',') === (quote ?? '"')) {
    throw invalidInput(
      `CsvClassifier.QuoteSymbol and Delimiter must differ; both are ${JSON.stringify(delimiter ?? ',')}.`,
    );
  }
  const headerList = read.optionalArray(input, 'Header', 'CsvClassifier.');
  let header = existing?.Header;
  if (headerList !== undefined) {
    header = headerList.map((h, i) => nameString(h, `CsvClassifier.Header[${i}]`));
    const seen = new Set<string>();
    for (const column of header) {
      // The catalog folds column names to lower case, so two that differ by case would clash.
      const folded = column.trim().toLowerCase();
      if (seen.has(folded))
        throw invalidInput(`CsvClassifier.Header names the column ${JSON.stringify(column)} twice.`);
      seen.add(folded);
    }
  }
  const customList = read.optionalArray(input, 'CustomDatatypes', 'CsvClassifier.');
  const customTypes =
    customList === undefined
      ? existing?.CustomDatatypes
      : customList.map((t, i) => {
          if (typeof t !== 'string' || !(CSV_CUSTOM_DATATYPES as readonly string[]).includes(t)) {
            throw invalidInput(
              `CsvClassifier.CustomDatatypes[${i}] ${JSON.stringify(t)} is not valid; expected one of: ${CSV_CUSTOM_DATATYPES.join(', ')}.`,
            );
          }
          return t;
        });
  const pick = <T>(value: T | undefined, previous: T | undefined) => (value !== undefined ? value : previous);
  const classifier: CsvClassifier = {
    Name: name,
    CreationTime: existing?.CreationTime ?? now,
    LastUpdated: now,
    Version: (existing?.Version ?? 0) + 1,
    Delimiter: delimiter,
    QuoteSymbol: quote,
    ContainsHeader: pick(
      read.optionalEnum(input, 'ContainsHeader', 'CsvClassifier.', CSV_HEADER_OPTIONS),
      existing?.ContainsHeader,
    ),
    Header: header,
    DisableValueTrimming: pick(
      read.optionalBoolean(input, 'DisableValueTrimming', 'CsvClassifier.'),
      existing?.DisableValueTrimming,
    ),
    AllowSingleColumn: pick(
      read.optionalBoolean(input, 'AllowSingleColumn', 'CsvClassifier.'),
      existing?.AllowSingleColumn,
    ),
    CustomDatatypeConfigured: pick(
      read.optionalBoolean(input, 'CustomDatatypeConfigured', 'CsvClassifier.'),
      existing?.CustomDatatypeConfigured,
    ),
    CustomDatatypes: customTypes,
    Serde: pick(read.optionalEnum(input, 'Serde', 'CsvClassifier.', CSV_SERDES), existing?.Serde),
  };
  for (const key of Object.keys(classifier) as (keyof CsvClassifier)[])
    if (classifier[key] === undefined) delete classifier[key];
  return classifier;
}

/** GetClassifier's shape of a stored CSV classifier. */
export const asClassifier = (csv: CsvClassifier): Classifier => ({ CsvClassifier: csv });

/** A file read with a custom CSV classifier. */
export interface ClassifiedCsv {
  delimiter: string;
  quote: string;
  /** OpenCSVSerde (true) or LazySimpleSerDe (false) in the catalog. */
  quoted: boolean;
  hasHeader: boolean;
  columns: { Name: string; Type: string }[];
  sampledRecords: number;
}

/** A java.sql.Timestamp string (`yyyy-MM-dd HH:mm:ss[.f...]`): what Hive's text SerDe reads as TIMESTAMP. */
const JAVA_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Integer widths, narrowest first, with the custom datatype that lets the crawler pick each. */
const INTEGERS: [type: string, customType: string | undefined, bits: bigint][] = [
  ['smallint', 'SHORT', 16n],
  ['int', 'INT', 32n],
  ['bigint', undefined, 64n],
];
const NUMERIC_ORDER = ['smallint', 'int', 'bigint', 'double'];

/**
 * The type of one value under a classifier: the built-in types (boolean, bigint, double, string), plus
 * the narrower integers, DATE and TIMESTAMP when CustomDatatypes lists them.
 */
export function customValueType(raw: string, customTypes: ReadonlySet<string>): string | undefined {
  const builtIn = valueType(raw);
  const value = raw.trim();
  if (builtIn === 'bigint') {
    const n = BigInt(value);
    for (const [type, custom, bits] of INTEGERS) {
      const limit = 2n ** (bits - 1n);
      if ((custom === undefined || customTypes.has(custom)) && n >= -limit && n < limit) return type;
    }
  }
  if (builtIn !== 'string') return builtIn;
  if (customTypes.has('DATE') && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) return 'date';
  if (customTypes.has('TIMESTAMP') && JAVA_TIMESTAMP.test(value)) return 'timestamp';
  return 'string';
}

function widenAny(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  const [i, j] = [NUMERIC_ORDER.indexOf(a), NUMERIC_ORDER.indexOf(b)];
  if (i >= 0 && j >= 0) return NUMERIC_ORDER[Math.max(i, j)];
  return 'string';
}

/**
 * Reads a sample of a text file with a custom CSV classifier. Undefined when the classifier does not
 * match the file (rows of different widths, one column without AllowSingleColumn, or a Header whose
 * length is not the file's column count): the crawler then tries the next classifier, then the
 * built-in ones.
 */
export function classifyCsv(
  sample: string,
  sampleIsTruncated: boolean,
  classifier: CsvClassifier,
): ClassifiedCsv | undefined {
  let lines = sample.split(/\r?\n/);
  if (sampleIsTruncated && lines.length > 1) lines = lines.slice(0, -1);
  lines = lines.filter((l) => l.length > 0);
  if (lines.length === 0) return undefined;
  const delimiter = classifier.Delimiter ?? ',';
  const quote = classifier.QuoteSymbol ?? '"';
  const rows = lines.map((l) => splitCsvLine(l, delimiter, quote));
  const width = (rows[0] as { fields: string[] }).fields.length;
  if (!rows.every((r) => r.fields.length === width)) return undefined;
  if (width < 2 && classifier.AllowSingleColumn !== true) return undefined;
  const header = classifier.Header && classifier.Header.length > 0 ? classifier.Header : undefined;
  if (header && header.length !== width) return undefined;
  const customTypes = new Set(classifier.CustomDatatypeConfigured ? (classifier.CustomDatatypes ?? []) : []);
  // DisableValueTrimming: values are typed as they are, so ` 12` stays a string.
  const typeOf = (v: string) =>
    classifier.DisableValueTrimming === true && v !== v.trim() ? 'string' : customValueType(v, customTypes);
  const typesOf = (subset: typeof rows) =>
    Array.from({ length: width }, (_, i) =>
      subset.reduce<string | undefined>((t, r) => widenAny(t, typeOf(r.fields[i] ?? '')), undefined),
    );
  const first = (rows[0] as { fields: string[] }).fields;
  const hasHeader =
    classifier.ContainsHeader === 'PRESENT'
      ? true
      : classifier.ContainsHeader === 'ABSENT'
        ? false
        : rows.length > 1 && looksLikeHeader(first, typesOf(rows.slice(1)));
  const data = hasHeader ? rows.slice(1) : rows;
  const names = header ?? (hasHeader ? first : first.map((_, i) => `col${i}`));
  const columns = typesOf(data).map((type, i) => ({
    Name: (names[i] as string).trim().toLowerCase(),
    Type: type ?? 'string',
  }));
  const quoted =
    classifier.Serde === 'OpenCSVSerDe'
      ? true
      : classifier.Serde === 'LazySimpleSerDe'
        ? false
        : rows.some((r) => r.quoted);
  return { delimiter, quote, quoted, hasHeader, columns, sampledRecords: data.length };
}
