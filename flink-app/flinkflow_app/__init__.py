"""flinkflow's PyFlink job: 1-minute average price per ticker, from Kinesis to S3.

The modules here are pure (no PyFlink import) except `job`, so the configuration, the SQL and the
pre-flight check are testable and usable without a JVM.
"""
