# A RUNNING Managed Flink application across `local down`/`up` (docs/local-flink.md, "Across local down
# and up"). Its end-to-end test on real Flink (about 2 minutes) is part of `make test-e2e`; this target
# runs it alone.
.PHONY: test-flink-resume-e2e

test-flink-resume-e2e: node-deps py-deps flink-zip ## a RUNNING job across down/up on real Flink: resumed from its checkpoint, every window checked (prints down, up and restart times)
	POWERTOOLS_LOG_LEVEL=WARN jest --selectProjects e2e --runInBand -- test/e2e/flink-resume.test.ts
