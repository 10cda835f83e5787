// An int result that does not fit in 64 bits is an error, never a wrapped value.
big = 9223372036854775807

big + 1
