température = 21.5
double = (valeur) => valeur * 2.0
x = double(valeur: température)
