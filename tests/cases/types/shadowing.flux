x = 1
f = (x) => x + 1.0
g = () => {
    x = "inner"
    return x
}
count = 3
