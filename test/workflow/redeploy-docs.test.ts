import fs from 'node:fs';
import { toMermaid } from '../../workflow/diagram';
import { RedeployState } from '../../workflow/redeploy-contract';
import { renderRedeployAsl } from '../../workflow/render-redeploy';
import { RedeployDocPath, updatedRedeployPage } from '../../workflow/render-redeploy-docs';

/** Prettier pads tables; the comparison ignores cell padding (jest cannot load prettier). */
const withoutTablePadding = (page: string): string =>
  page
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/:?-{3,}:?/g, '---') : line))
    .join('\n');

describe('docs/redeploy.md', () => {
  it('It should show the current definition (run `tsx workflow/render-redeploy-docs.ts` after changing the machine)', () => {
    const page = fs.readFileSync(RedeployDocPath, 'utf8');
    expect(withoutTablePadding(page)).toEqual(
      withoutTablePadding(updatedRedeployPage(page, renderRedeployAsl())),
    );
  });

  it('It should draw the rollback paths of the states after the update', () => {
    const diagram = toMermaid(renderRedeployAsl());
    expect(diagram).toContain(`[*] --> ${RedeployState.ValidateRedeploy}`);
    expect(diagram).toContain(
      `${RedeployState.ApplicationNotHealthy} --> ${RedeployState.RollbackApplication}`,
    );
    expect(diagram).toContain(`${RedeployState.UpdateDidNotRun} --> ${RedeployState.RollbackApplication}`);
  });
});
