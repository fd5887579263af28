/**
 * Draws a state machine's ASL as a mermaid state diagram and a table of its states, so that the docs are
 * generated from the definition itself and cannot drift from it (a test regenerates and compares).
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

type State = StateMachineDefinition['States'][string];
interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
type ChoiceRule = Record<string, unknown> & { Next?: string };

const field = <T>(state: State, name: string): T | undefined => (state as unknown as Record<string, T>)[name];

/** A short, readable form of a Choice rule's condition. */
function describeCondition(rule: ChoiceRule): string {
  if (Array.isArray(rule['And'])) return (rule['And'] as ChoiceRule[]).map(describeCondition).join(' and ');
  if (Array.isArray(rule['Or'])) return (rule['Or'] as ChoiceRule[]).map(describeCondition).join(' or ');
  if (rule['Not']) return `not (${describeCondition(rule['Not'] as ChoiceRule)})`;
  const variable = String(rule['Variable'] ?? '').replace(/^\$\./, '');
  const operators: Record<string, string> = {
    StringEquals: '=',
    NumericEquals: '=',
    NumericLessThan: '<',
    NumericLessThanEquals: '<=',
    NumericGreaterThan: '>',
    NumericGreaterThanEquals: '>=',
    BooleanEquals: '=',
  };
  for (const [operator, symbol] of Object.entries(operators)) {
    if (operator in rule) return `${variable} ${symbol} ${String(rule[operator])}`;
  }
  const other = Object.keys(rule).find((key) => key !== 'Variable' && key !== 'Next');
  return `${variable} ${other ?? '?'}`;
}

/** Mermaid `stateDiagram-v2` text of the definition: every transition, catch and choice branch. */
export function toMermaid(definition: StateMachineDefinition): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${definition.StartAt}`];
  for (const [name, state] of Object.entries(definition.States)) {
    const next = field<string>(state, 'Next');
    if (state.Type === 'Choice') {
      lines.push(`  state ${name} <<choice>>`);
      for (const rule of field<ChoiceRule[]>(state, 'Choices') ?? []) {
        lines.push(`  ${name} --> ${String(rule.Next)} : ${describeCondition(rule)}`);
      }
      const fallback = field<string>(state, 'Default');
      if (fallback) lines.push(`  ${name} --> ${fallback} : otherwise`);
      continue;
    }
    if (state.Type === 'Wait') {
      const seconds = field<string>(state, 'SecondsPath') ?? String(field<number>(state, 'Seconds') ?? '');
      lines.push(`  ${name} --> ${String(next)} : after ${seconds.replace(/^\$\./, '')} s`);
    } else if (next) {
      lines.push(`  ${name} --> ${next}`);
    }
    for (const catcher of field<Array<{ ErrorEquals: string[]; Next: string }>>(state, 'Catch') ?? []) {
      lines.push(`  ${name} --> ${catcher.Next} : ${catcher.ErrorEquals.join(', ')}`);
    }
    if (state.Type === 'Succeed' || state.Type === 'Fail' || field<boolean>(state, 'End')) {
      lines.push(`  ${name} --> [*]`);
    }
  }
  return lines.join('\n');
}

/**
 * Lists errors, folding Lambda's service errors into one entry to keep the table readable.
 * Lambda.Unknown (a function that timed out or ran out of memory) is the function's own error, not the
 * service's, so it keeps its name.
 */
function shortErrorList(errors: string[]): string {
  const isService = (e: string) => e.startsWith('Lambda.') && e !== 'Lambda.Unknown';
  const lambda = errors.filter(isService);
  const others = errors.filter((e) => !isService(e));
  return [...others, ...(lambda.length ? [`Lambda service errors (${lambda.length})`] : [])].join(', ');
}

function describeRetry(retry: Retrier[] | undefined): string {
  if (!retry?.length) return '';
  return retry
    .map(
      (r) =>
        `${shortErrorList(r.ErrorEquals)}: ${r.MaxAttempts ?? 3}x, ${r.IntervalSeconds ?? 1} s x${r.BackoffRate ?? 2}` +
        `${r.MaxDelaySeconds === undefined ? '' : ` (max ${r.MaxDelaySeconds} s)`}` +
        `${r.JitterStrategy === 'FULL' ? ', full jitter' : ''}`,
    )
    .join('<br>');
}

/** A markdown table of the states: type, where the result goes, timeout, retries, catch. */
export function toStateTable(definition: StateMachineDefinition): string {
  const rows = [
    '| state | type | result path | timeout (s) | retry | catch |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, state] of Object.entries(definition.States)) {
    const resultPath = field<string | null>(state, 'ResultPath');
    const catchers =
      field<Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>>(state, 'Catch') ?? [];
    rows.push(
      `| ${name} | ${state.Type} | ${resultPath === undefined ? (state.Type === 'Task' || state.Type === 'Pass' ? '`$`' : '') : `\`${String(resultPath)}\``} | ` +
        `${field<number>(state, 'TimeoutSeconds') ?? ''} | ${describeRetry(field<Retrier[]>(state, 'Retry'))} | ` +
        `${catchers.map((c) => `${c.ErrorEquals.join(', ')} -> ${c.Next} (\`${c.ResultPath ?? '$'}\`)`).join('<br>')} |`,
    );
  }
  return rows.join('\n');
}
