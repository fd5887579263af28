# A smoke run on a real AWS account (bench/aws-smoke/smoke.ts): deploy the stack, provision a pipeline,
# produce ticks, validate and re-deploy where the stack can, destroy everything, print what it cost.
# Needs credentials and costs money; never part of `make test`. DRY_RUN=1 prints the calls only.
.PHONY: aws-smoke

aws-smoke: node-deps ## on a real account: deploy, provision, produce, validate, re-deploy, destroy (DRY_RUN=1: print the calls)
	DRY_RUN=$(DRY_RUN) tsx bench/aws-smoke/smoke.ts
