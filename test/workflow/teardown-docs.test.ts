import fs from 'node:fs';
import { TeardownDocPath, updatedPage } from '../../workflow/render-docs';
import { renderTeardownAsl } from '../../workflow/teardown';
import { TeardownState } from '../../workflow/teardown-contract';

/** Prettier pads tables; the comparison ignores cell padding (see docs.test.ts). */
const withoutTablePadding = (page: string): string =>
  page
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/:?-{3,}:?/g, '---') : line))
    .join('\n');

describe('docs/teardown.md', () => {
  it('It should show the current definition (run `tsx workflow/render-docs.ts` after changing the machine)', () => {
    // Prepare
    const page = fs.readFileSync(TeardownDocPath, 'utf8');

    // Act
    const regenerated = updatedPage(page, renderTeardownAsl());

    // Assess
    expect(withoutTablePadding(page)).toEqual(withoutTablePadding(regenerated));
    for (const state of Object.values(TeardownState)) expect(page).toContain(state);
  });
});
