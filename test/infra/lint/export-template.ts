/**
 * Writes what `make test-infra-lint` checks: the synthesized orchestrator template (for cfn-lint) and every
 * policy document in it with intrinsic functions resolved for the sample account (for parliament, which
 * reads plain JSON). Usage: tsx test/infra/lint/export-template.ts <output folder>
 */
import fs from 'node:fs';
import path from 'node:path';
import { TemplateResolver, type Resources } from '../iam-model';
import { orchestratorApp } from '../synth';

/** Where each resource type keeps its policy documents, and whether they are identity or resource policies. */
const PolicyProperties: Record<
  string,
  Array<{ property: string; kind: 'identity' | 'resource' | 'trust' }>
> = {
  'AWS::IAM::Policy': [{ property: 'PolicyDocument', kind: 'identity' }],
  'AWS::IAM::ManagedPolicy': [{ property: 'PolicyDocument', kind: 'identity' }],
  'AWS::IAM::Role': [{ property: 'AssumeRolePolicyDocument', kind: 'trust' }],
  'AWS::S3::BucketPolicy': [{ property: 'PolicyDocument', kind: 'resource' }],
};

export interface ExportedPolicy {
  /** `<logical id>/<property>` (inline role policies: `<logical id>/Policies/<name>`). */
  where: string;
  kind: 'identity' | 'resource' | 'trust';
  document: unknown;
}

function main(outputFolder: string): void {
  const { app, stack } = orchestratorApp();
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Resources };
  const resolver = new TemplateResolver(template.Resources);
  const policies: ExportedPolicy[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const { property, kind } of PolicyProperties[resource.Type] ?? []) {
      const document = resource.Properties?.[property];
      if (document !== undefined)
        policies.push({ where: `${id}/${property}`, kind, document: resolver.resolve(document) });
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of (resource.Properties?.['Policies'] as Array<{
        PolicyName: string;
        PolicyDocument: unknown;
      }>) ?? [])
        policies.push({
          where: `${id}/Policies/${inline.PolicyName}`,
          kind: 'identity',
          document: resolver.resolve(inline.PolicyDocument),
        });
    }
  }
  fs.mkdirSync(outputFolder, { recursive: true });
  fs.writeFileSync(path.join(outputFolder, 'template.json'), JSON.stringify(template, null, 1));
  fs.writeFileSync(path.join(outputFolder, 'policies.json'), JSON.stringify(policies, null, 1));
  console.log(`wrote the template and ${policies.length} policy documents to ${outputFolder}`);
}

const [outputFolder] = process.argv.slice(2);
if (!outputFolder) {
  console.error('usage: tsx test/infra/lint/export-template.ts <output folder>');
  process.exit(2);
}
main(outputFolder);
