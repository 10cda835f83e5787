arr = [1, 2, 3]
x = arr[5]
