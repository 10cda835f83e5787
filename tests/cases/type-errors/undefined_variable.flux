threshold = 10
x = treshold + 1
