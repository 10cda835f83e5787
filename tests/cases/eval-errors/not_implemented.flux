// buckets() needs storage, which fluxi does not have yet.
buckets()
