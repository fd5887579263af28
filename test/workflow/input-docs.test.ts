import fs from 'node:fs';
import {
  generatedSection,
  InputDocPath,
  InputSchemaPath,
  updatedPage,
} from '../../workflow/render-input-docs';
import { provisionInputFields, provisionInputJsonSchema } from '../../workflow/provision-input';

/** The page without prettier's table padding (the script formats with prettier, which jest cannot load). */
const withoutTablePadding = (page: string): string =>
  page
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/:?-{3,}:?/g, '---') : line))
    .join('\n');

describe('docs/provisioning-input.md and docs/provisioning-input.schema.json', () => {
  it('It should publish the JSON Schema of the current input schema (run `make docs-input` after changing it)', () => {
    // Prepare
    const published = JSON.parse(fs.readFileSync(InputSchemaPath, 'utf8')) as unknown;

    // Act
    const current = provisionInputJsonSchema();

    // Assess
    expect(published).toEqual(current);
  });

  it('It should show the current fields table (run `make docs-input` after changing the schema)', () => {
    // Prepare
    const page = fs.readFileSync(InputDocPath, 'utf8');

    // Act
    const regenerated = updatedPage(page);

    // Assess
    expect(withoutTablePadding(page)).toEqual(withoutTablePadding(regenerated));
  });

  it('It should list every field of the schema with its flag, range and default', () => {
    // Act
    const section = generatedSection();

    // Assess
    expect(provisionInputFields().length).toBeGreaterThanOrEqual(14);
    for (const field of provisionInputFields()) {
      expect(section).toContain(`| \`${field.path.join('.')}\` |`);
      expect(section).toContain(`\`--${field.flag}\``);
    }
    expect(section).toMatch(/\| `stream\.shardCount` \| `1` \| whole number 1-500 \| `--shard-count` \|/);
    expect(section).toMatch(/\| `healthSettleSeconds` \| computed \| whole number 10-3600 \|/);
  });
});
