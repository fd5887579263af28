import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { addProvisionOptions } from '../../cli/main';
import { buildProvisionInput, checkProvisionInput } from '../../cli/provision-input';
import { provisionInputFields, type InputField } from '../../workflow/provision-input';

/** A command with only the provisioning flags, which throws instead of exiting. */
function parse(argv: string[]): Record<string, unknown> {
  const command = addProvisionOptions(new Command('test'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  command.parse(argv, { from: 'user' });
  return command.opts();
}

/** A valid value of a field, as typed on the command line and as it lands in the document. */
function sample(field: InputField): { argv: string[]; value: unknown } {
  const flag = `--${field.flag}`;
  if (field.kind === 'boolean') return { argv: [flag], value: true };
  if (field.kind === 'integer') return { argv: [flag, String(field.maximum)], value: field.maximum };
  if (field.values) return { argv: [flag, field.values.at(-1)!], value: field.values.at(-1) };
  if (field.path.join('.') === 'pipelineName') return { argv: [flag, 'flags-demo'], value: 'flags-demo' };
  return { argv: [flag, 'rate(30 minutes)'], value: 'rate(30 minutes)' };
}

describe('The provisioning flags, generated from the input schema', () => {
  const fields = provisionInputFields();

  it('It should offer one flag per field of the schema and put each into its place in the document', () => {
    // Prepare: every field but stream.shardCount, which an ON_DEMAND stream (the last mode) refuses.
    const chosen = fields.filter((field) => field.path.join('.') !== 'stream.shardCount');
    const argv = chosen.flatMap((field) => sample(field).argv);

    // Act
    const input = buildProvisionInput(parse(argv));

    // Assess
    expect(fields.map((field) => field.path.join('.'))).toEqual(
      expect.arrayContaining(['pipelineName', 'stream.mode', 'stream.shardCount', 'healthSettleSeconds']),
    );
    for (const field of chosen) {
      const value = field.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], input);
      expect([field.path.join('.'), value]).toEqual([field.path.join('.'), sample(field).value]);
    }
    expect(() => checkProvisionInput(input)).not.toThrow();
  });

  it.each(provisionInputFields().filter((field) => field.kind === 'integer'))(
    'It should refuse $flag outside the schema range, saying the range',
    (field) => {
      // Act
      const below = () => parse([`--${field.flag}`, String(field.minimum! - 1)]);
      const above = () => parse([`--${field.flag}`, String(field.maximum! + 1)]);

      // Assess
      const range = `Use a whole number from ${field.minimum} to ${field.maximum}.`;
      expect(below).toThrow(range);
      expect(above).toThrow(range);
      expect(parse([`--${field.flag}`, String(field.minimum)])).toEqual({
        [camel(field.flag)]: field.minimum,
      });
    },
  );

  it.each(provisionInputFields().filter((field) => field.kind === 'enum'))(
    'It should offer the schema values of $flag as its choices',
    (field) => {
      // Act
      const wrong = () => parse([`--${field.flag}`, 'NOT-A-CHOICE']);

      // Assess
      expect(wrong).toThrow(`Allowed choices are ${field.values!.join(', ')}.`);
    },
  );

  it('It should not import any Lambda task entry module into the CLI', () => {
    // Prepare
    const root = path.resolve(__dirname, '..', '..', 'cli');
    const files = fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'));

    // Act
    const offenders = files.filter((file) =>
      /from '(\.\.\/)+lambdas\/(?!shared\/)[^']+'/.test(fs.readFileSync(path.join(root, file), 'utf8')),
    );

    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
