option now = "2020-01-01"
