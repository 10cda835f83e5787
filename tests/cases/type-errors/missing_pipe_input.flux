f = (tables=<-) => tables
y = f()
