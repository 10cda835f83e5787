x = not 1
