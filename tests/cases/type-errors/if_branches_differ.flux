x = (v) => if v > 0 then "positive" else 0
