import {
  provisionInputFields,
  provisionInputJsonSchema,
  resolveProvisionInput,
  type InputField,
} from '../../workflow/provision-input';

/** The fields the problems of `raw` name, in order. */
function fieldsOf(raw: unknown): string[] {
  const result = resolveProvisionInput(raw, { account: '123456789012', region: 'eu-west-1' });
  return result.ok ? [] : result.problems.map((p) => p.field);
}

/** A document with one field set (a nested path makes the objects on the way). */
function withField(field: InputField, value: unknown): Record<string, unknown> {
  const doc: Record<string, unknown> = { pipelineName: 'schema-demo', windowSeconds: 3600 };
  let node = doc;
  for (const key of field.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[field.path.at(-1)!] = value;
  return doc;
}

describe('The provisioning input schema', () => {
  it('It should report the cross-field rules together with every other problem, unknown keys one by one', () => {
    // Act
    const fields = fieldsOf({
      pipelineName: 'X',
      windowSeconds: 10,
      watermarkSeconds: 100,
      stream: { mode: 'ON_DEMAND', shardCount: 2, shards: 1 },
      extra: 1,
      other: 2,
    });

    // Assess
    expect(fields.sort()).toEqual(
      ['extra', 'other', 'pipelineName', 'stream.shardCount', 'stream.shards', 'watermarkSeconds'].sort(),
    );
  });

  it('It should name the document itself when it is not an object', () => {
    // Act / Assess
    expect(fieldsOf(null)).toEqual(['$']);
    expect(fieldsOf(['ticks-demo'])).toEqual(['$']);
  });

  it.each(provisionInputFields().filter((field) => field.kind === 'integer'))(
    'It should accept $flag at the bounds its JSON Schema publishes and refuse one past them',
    (field) => {
      // Assess
      const name = field.path.join('.');
      expect(fieldsOf(withField(field, field.minimum))).toEqual([]);
      expect(fieldsOf(withField(field, field.maximum))).toEqual([]);
      expect(fieldsOf(withField(field, field.minimum! - 1))).toEqual([name]);
      expect(fieldsOf(withField(field, field.maximum! + 1))).toEqual([name]);
      expect(fieldsOf(withField(field, field.minimum! + 0.5))).toEqual([name]);
    },
  );

  it.each(provisionInputFields().filter((field) => field.kind === 'enum'))(
    'It should accept every value of $flag its JSON Schema publishes, and nothing else',
    (field) => {
      // Assess
      for (const value of field.values!) expect(fieldsOf(withField(field, value))).toEqual([]);
      expect(fieldsOf(withField(field, `${field.values![0]}x`))).toEqual([field.path.join('.')]);
    },
  );

  it('It should publish the required field and refuse unknown fields at every level', () => {
    // Act
    const schema = provisionInputJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: { stream: { additionalProperties: boolean } };
    };

    // Assess
    expect(schema.required).toEqual(['pipelineName']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.stream.additionalProperties).toBe(false);
  });

  it.each([
    [5, 20],
    [30, 60],
    [600, 120],
  ])(
    'It should default healthSettleSeconds to two checkpoint intervals (window %i s -> %i s)',
    (window, settle) => {
      // Act
      const result = resolveProvisionInput({ pipelineName: 'settle-demo', windowSeconds: window });

      // Assess
      expect(result).toMatchObject({ ok: true, settings: { healthSettleSeconds: settle } });
    },
  );
});

describe('The watermark rule at its edges', () => {
  it.each([
    ['the shortest window', { windowSeconds: 1, watermarkSeconds: 10 }, ['watermarkSeconds']],
    ['the longest watermark', { windowSeconds: 60, watermarkSeconds: 600 }, ['watermarkSeconds']],
    ['just under ten windows', { windowSeconds: 60, watermarkSeconds: 599 }, []],
    ['a window that is not a whole number', { windowSeconds: 0.5, watermarkSeconds: 5 }, ['windowSeconds']],
    ['a window past its range', { windowSeconds: 3601, watermarkSeconds: 600 }, ['windowSeconds']],
    [
      'a watermark that is not a whole number',
      { windowSeconds: 1, watermarkSeconds: 10.5 },
      ['watermarkSeconds'],
    ],
  ])(
    'It should apply the ten-window limit to %s only when both values are valid',
    (_case, values, fields) => {
      expect(fieldsOf({ pipelineName: 'ticks-demo', ...values })).toEqual(fields);
    },
  );

  it('It should say which limit the watermark passed', () => {
    // Act
    const result = resolveProvisionInput({
      pipelineName: 'ticks-demo',
      windowSeconds: 1,
      watermarkSeconds: 10,
    });

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          field: 'watermarkSeconds',
          message:
            'must be less than 10 windows (10 s for windowSeconds 1), got 10; a longer delay holds every window back for minutes',
        },
      ],
    });
  });
});

describe('The messages of the schema', () => {
  it.each([
    ['a name with a double hyphen', { pipelineName: 'ab--cd' }, 'pipelineName', 'must be 3-32 characters'],
    [
      'a schedule Glue refuses',
      { pipelineName: 'ticks-demo', crawlSchedule: 'rate(7 minutes)' },
      'crawlSchedule',
      'rate(7 minutes) has no exact Glue cron equivalent',
    ],
    [
      'a number out of range',
      { pipelineName: 'ticks-demo', parallelism: 65 },
      'parallelism',
      'must be a whole number from 1 to 64, got 65; omit it for the default 1',
    ],
    [
      'a fraction',
      { pipelineName: 'ticks-demo', parallelism: 1.5 },
      'parallelism',
      'must be a whole number from 1 to 64, got 1.5; omit it for the default 1',
    ],
    [
      'a number too small',
      { pipelineName: 'ticks-demo', startTimeoutSeconds: 59 },
      'startTimeoutSeconds',
      'must be a whole number from 60 to 3600, got 59; omit it for the default 900',
    ],
    [
      'a value JSON cannot write',
      { pipelineName: 'ticks-demo', partitionByTime: Symbol('yes') },
      'partitionByTime',
      'must be true or false (without quotes), got Symbol(yes)',
    ],
  ])('It should explain %s', (_case, raw, field, message) => {
    // Act
    const result = resolveProvisionInput(raw);

    // Assess
    expect(result.ok).toBe(false);
    const problems = (result as { problems: Array<{ field: string; message: string }> }).problems;
    expect(problems).toEqual([{ field, message: expect.stringContaining(message) }]);
  });
});

describe('The schema on documents that are not objects, and on limits just past them', () => {
  it.each([
    ['null', null, [{ field: '$', message: expect.stringContaining('the input must be a JSON object') }]],
    [
      'a stream that is null',
      { pipelineName: 'ticks-demo', stream: null },
      [
        {
          field: 'stream',
          message: expect.stringContaining('must be an object like {"mode": "PROVISIONED"'),
        },
      ],
    ],
    [
      'a health settle period under its minimum',
      { pipelineName: 'ticks-demo', healthSettleSeconds: 5 },
      [
        {
          field: 'healthSettleSeconds',
          message:
            'must be a whole number from 10 to 3600, got 5; omit it for the default of two checkpoint intervals',
        },
      ],
    ],
  ])(
    'It should report %s as one problem, without a cross-field rule failing on it',
    (_case, raw, problems) => {
      expect(resolveProvisionInput(raw)).toEqual({ ok: false, problems });
    },
  );

  it.each([
    ['a window of a second and a half', { windowSeconds: 1.5, watermarkSeconds: 15 }, ['windowSeconds']],
    ['a watermark one past its maximum', { windowSeconds: 60, watermarkSeconds: 601 }, ['watermarkSeconds']],
  ])('It should leave the ten-window limit out for %s', (_case, values, fields) => {
    expect(fieldsOf({ pipelineName: 'ticks-demo', ...values })).toEqual(fields);
  });
});
