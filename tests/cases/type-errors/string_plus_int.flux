label = "cpu" + 1
