// The spec's record polymorphism example (well-typed part).
john = {name: "John", lastName: "Smith"}
jane = {name: "Jane", age: 44}
name = (person) => person.name
n1 = name(person: john)
n2 = name(person: jane)
