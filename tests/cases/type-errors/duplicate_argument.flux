x = from(bucket: "a", bucket: "b")
