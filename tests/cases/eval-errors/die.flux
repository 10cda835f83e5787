x = if 1 > 0 then die(msg: "the threshold was crossed") else 0
