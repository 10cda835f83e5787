import "experimental"

r = experimental.catch(fn: () => 1)
t = experimental.addDuration(d: 1h, to: now())
