import { UsageError } from '../../cli/errors';
import {
  buildProvisionInput,
  canonicalJson,
  checkProvisionInput,
  executionNameFor,
  readInputFile,
} from '../../cli/provision-input';

describe('executionNameFor', () => {
  it('It should give the same name to the same request whatever its key order', () => {
    // Prepare
    const a = {
      pipelineName: 'ticks-demo',
      windowSeconds: 60,
      stream: { mode: 'PROVISIONED', shardCount: 2 },
    };
    const b = {
      stream: { shardCount: 2, mode: 'PROVISIONED' },
      windowSeconds: 60,
      pipelineName: 'ticks-demo',
    };

    // Act
    const nameA = executionNameFor(a);
    const nameB = executionNameFor(b);

    // Assess
    expect(nameA).toBe(nameB);
    expect(nameA).toMatch(/^ticks-demo-[0-9a-f]{16}$/);
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('It should give another name to another request and to a deliberate second attempt', () => {
    // Prepare
    const base = { pipelineName: 'ticks-demo', windowSeconds: 60 };

    // Act
    const names = [
      executionNameFor(base),
      executionNameFor({ ...base, windowSeconds: 10 }),
      executionNameFor(base, 2),
    ];

    // Assess
    expect(new Set(names).size).toBe(3);
    expect(names[2]).toBe(`${names[0]}-2`);
  });
});

describe('buildProvisionInput', () => {
  it('It should lay the flags over the fields of the input file', () => {
    // Prepare
    const file = JSON.stringify({
      pipelineName: 'from-file',
      windowSeconds: 60,
      stream: { mode: 'PROVISIONED', shardCount: 1 },
    });

    // Act
    const input = buildProvisionInput({ file: 'in.json', windowSeconds: 10, shardCount: 3 }, () => file);

    // Assess
    expect(input).toEqual({
      pipelineName: 'from-file',
      windowSeconds: 10,
      stream: { mode: 'PROVISIONED', shardCount: 3 },
    });
  });

  it('It should pass the health gate flags into the document', () => {
    // Act
    const input = buildProvisionInput({
      pipelineName: 'demo',
      healthSettleSeconds: 30,
      keepUnhealthyRunning: true,
    });

    // Assess
    expect(input).toEqual({ pipelineName: 'demo', healthSettleSeconds: 30, keepUnhealthyRunning: true });
  });

  it('It should ask for a pipeline name when neither the flags nor the file give one', () => {
    // Act / Assess
    expect(() => buildProvisionInput({ windowSeconds: 10 })).toThrow(
      'A pipeline name is required: pass --pipeline-name <name> or put "pipelineName" in the --file document.',
    );
  });

  it('It should name the file and the JSON problem when the file cannot be parsed', () => {
    // Act / Assess
    expect(() => readInputFile('broken.json', () => '{"pipelineName": ')).toThrow(UsageError);
    expect(() => readInputFile('broken.json', () => '{"pipelineName": ')).toThrow(
      'The input file broken.json is not valid JSON',
    );
    expect(() =>
      readInputFile('missing.json', () => {
        throw new Error('ENOENT: no such file');
      }),
    ).toThrow('Cannot read the input file missing.json: ENOENT');
  });
});

describe('checkProvisionInput', () => {
  it('It should report every bad field with the rules of the ValidateInput task, as a usage error', () => {
    // Act
    const check = () => checkProvisionInput({ pipelineName: 'Bad_Name', windowSeconds: 0 });

    // Assess
    expect(check).toThrow(UsageError);
    expect(check).toThrow(/pipelineName: .*windowSeconds: /);
  });

  it('It should resolve a valid document with its defaults', () => {
    // Act
    const config = checkProvisionInput({
      pipelineName: 'ticks-demo',
      windowSeconds: 10,
      watermarkSeconds: 2,
    });

    // Assess
    expect(config).toMatchObject({
      pipelineName: 'ticks-demo',
      windowSeconds: 10,
      watermarkSeconds: 2,
      streamMode: 'PROVISIONED',
      shardCount: 1,
      healthSettleSeconds: 20,
    });
  });
});
