"""flinkflow-app: 1-minute average price per ticker, from a Kinesis stream to S3 (run option `python`).

Settings come from the application's property groups; see docs/flink-app.md.
"""

from flinkflow_app.job import main

if __name__ == "__main__":
    main()
