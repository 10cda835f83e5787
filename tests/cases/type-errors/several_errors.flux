// Independent mistakes are all reported.
a = 1 + "one"
b = undefinedThing
c = {x: 1}.y
