# The provisioning contract (workflow/): the docs generated from it.
.PHONY: docs-input

docs-input: node-deps ## regenerate docs/provisioning-input.md's table and docs/provisioning-input.schema.json from the input's schema
	tsx workflow/render-input-docs.ts
