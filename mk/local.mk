# The local cloud (local/): its integration tests run real SDK v3 clients against kinesalite, moto's S3
# server (from the venv) and flinkflow's own Glue/Athena/Managed-Flink endpoints on 127.0.0.1.
.PHONY: test-local local-up local-down local-status bench-local-s3

# The `local` jest project also holds the Managed Flink endpoint's suites, one of which runs the real
# packaged job: hence flink-zip (mk/flink.mk).
test-local: node-deps py-deps flink-zip ## local-cloud integration tests (real SDK clients against local endpoints)
	jest --selectProjects local

local-up: node-deps py-deps ## start the local cloud in the background (state in .flinkflow/local/state.json)
	tsx -e "require('./local/cloud').startLocalCloud().then((s) => console.log(JSON.stringify(s, null, 2)))"

local-down: node-deps ## stop the local cloud and everything it started
	tsx -e "require('./local/cloud').stopLocalCloud().then((r) => console.log(JSON.stringify(r)))"

local-status: node-deps ## show whether the local cloud runs, its endpoints and its memory
	tsx -e "require('./local/cloud').localCloudStatus().then((s) => console.log(JSON.stringify(s, null, 2)))"

TEST_TARGETS += test-local
