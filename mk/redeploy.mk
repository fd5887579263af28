# Re-deploys (docs/redeploy.md): the redeploy machine's figures and its end-to-end test on the local cloud.
.PHONY: bench-redeploy test-redeploy-e2e

bench-redeploy: node-deps ## state transitions and Lambda invocations of each re-deploy path (docs/benchmarks.md)
	tsx bench/redeploy/transitions.ts

test-redeploy-e2e: node-deps py-deps flink-zip ## re-deploys on the local cloud: new window through the canary, duplicate, bad zip, rollback, canary rollback (prints upload -> RUNNING)
	POWERTOOLS_LOG_LEVEL=WARN jest --selectProjects e2e --runInBand -- test/e2e/redeploy.test.ts
