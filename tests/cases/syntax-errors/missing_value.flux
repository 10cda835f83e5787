x = f(a: )
