// The spec's record polymorphism example: device has no name.
name = (person) => person.name
device = {id: 125325, lat: 15.6163, lon: 62.6623}
n = name(person: device)
