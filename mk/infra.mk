# The orchestrator stack (infra/): lint the synthesized template. The IAM evaluation of the same template
# (iam-simulate) and cdk-nag run with the unit tests (test/infra); docs/iam.md explains all three.
.PHONY: test-infra-lint bench-iam

INFRA_LINT_OUT := .flinkflow/infra-lint

test-infra-lint: node-deps py-deps ## parliament over every policy and cfn-lint over the synthesized template (warnings acknowledged in infra/lint-acknowledgements.yaml)
	$(PY) -m pytest test/infra/lint -q -p no:cacheprovider
	tsx test/infra/lint/export-template.ts $(INFRA_LINT_OUT)
	$(PY) test/infra/lint/lint_template.py $(INFRA_LINT_OUT) infra/lint-acknowledgements.yaml

TEST_TARGETS += test-infra-lint

bench-iam: node-deps py-deps ## which IAM engine sees the four IAM findings, and how fast (docs/iam.md)
	tsx bench/iam/compare-engines.ts
