t = now() + 1h
