// Without a store (no `--data`), reading a bucket says how to attach one.
buckets()
