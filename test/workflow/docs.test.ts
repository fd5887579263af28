import fs from 'node:fs';
import { toMermaid } from '../../workflow/diagram';
import { renderProvisioningAsl } from '../../workflow/render';
import { CrawlAndQueryDocPath, ProvisioningDocPath, updatedPage } from '../../workflow/render-docs';
import { renderCrawlAndQueryAsl } from '../../workflow/render-crawl';
import { CrawlState } from '../../workflow/crawl-contract';

/**
 * The page without prettier's table padding: the script formats the page with prettier, which jest
 * cannot load (it imports ES modules dynamically), so the comparison ignores cell padding and alignment.
 */
const withoutTablePadding = (page: string): string =>
  page
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/:?-{3,}:?/g, '---') : line))
    .join('\n');
import { ProvisionState } from '../../workflow/contract';

describe('docs/provisioning-state-machine.md', () => {
  it('It should show the current definition (run `tsx workflow/render-docs.ts` after changing the machine)', () => {
    // Prepare
    const page = fs.readFileSync(ProvisioningDocPath, 'utf8');

    // Act
    const regenerated = updatedPage(page, renderProvisioningAsl());

    // Assess
    expect(withoutTablePadding(page)).toEqual(withoutTablePadding(regenerated));
  });

  it('It should draw every state and every transition of the definition', () => {
    // Prepare
    const definition = renderProvisioningAsl();

    // Act
    const diagram = toMermaid(definition);

    // Assess
    for (const name of Object.keys(definition.States)) expect(diagram).toContain(name);
    expect(diagram).toContain(`[*] --> ${ProvisionState.ValidateInput}`);
    expect(diagram).toContain(
      `${ProvisionState.IsApplicationRunning} --> ${ProvisionState.CheckApplicationHealth} : status.phase = RUNNING`,
    );
    expect(diagram).toContain(
      `${ProvisionState.IsApplicationHealthy} --> ${ProvisionState.CreateCrawler} : health.phase = HEALTHY`,
    );
    expect(diagram).toContain(
      `${ProvisionState.WaitBeforeHealthCheck} --> ${ProvisionState.CheckApplicationHealth}`,
    );
    expect(diagram).toContain(
      `${ProvisionState.WaitBeforeStatusCheck} --> ${ProvisionState.DescribeApplication}`,
    );
    expect(diagram).toContain(`${ProvisionState.ProvisioningFailed} --> [*]`);
    expect(diagram).toContain(`${ProvisionState.Provisioned} --> [*]`);
  });
});

describe('docs/crawl-and-query.md', () => {
  it('It should show the current definition (run `tsx workflow/render-docs.ts` after changing the machine)', () => {
    // Prepare
    const page = fs.readFileSync(CrawlAndQueryDocPath, 'utf8');

    // Act
    const regenerated = updatedPage(page, renderCrawlAndQueryAsl());

    // Assess
    expect(withoutTablePadding(page)).toEqual(withoutTablePadding(regenerated));
  });

  it('It should draw the crawl loop, the query loop and both ends', () => {
    // Act
    const diagram = toMermaid(renderCrawlAndQueryAsl());

    // Assess
    expect(diagram).toContain(`${CrawlState.IsCrawlDone} --> ${CrawlState.CheckTable} : crawl.phase = READY`);
    expect(diagram).toContain(`${CrawlState.WaitForCrawl} --> ${CrawlState.GetCrawlStatus}`);
    expect(diagram).toContain(
      `${CrawlState.AreQueriesDone} --> ${CrawlState.EvaluateChecks} : queryStatus.phase = DONE`,
    );
    expect(diagram).toContain(`${CrawlState.Validated} --> [*]`);
    expect(diagram).toContain(`${CrawlState.ValidationFailed} --> [*]`);
  });
});
