builtin f : (x: integer) => A where A: Addabel
