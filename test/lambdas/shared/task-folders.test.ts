import { existsSync } from 'node:fs';
import path from 'node:path';
import { ProvisionLambdaTasks } from '../../../workflow/contract';
import { CrawlLambdaTasks } from '../../../workflow/crawl-contract';
import { TeardownLambdaTasks } from '../../../workflow/teardown-contract';

/** The kebab-case folder of a state, as infra/ resolves a task's entry point. */
function folderOf(task: string): string {
  return task.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

describe('The task folders', () => {
  it.each([...ProvisionLambdaTasks, ...CrawlLambdaTasks, ...TeardownLambdaTasks])(
    'It should give %s a handler and a run function in its kebab-case folder',
    async (task) => {
      // Prepare
      const entry = path.join(__dirname, '../../../lambdas', folderOf(task), 'index.ts');

      // Act
      const module = (await import(entry)) as Record<string, unknown>;

      // Assess
      expect(existsSync(entry)).toBe(true);
      expect(typeof module['run']).toBe('function');
      expect(typeof module['handler']).toBe('function');
    },
  );
});
