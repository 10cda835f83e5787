x = r.host =~ /abc
y = 2
