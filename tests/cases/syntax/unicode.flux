// Unicode identifiers, strings and regexes.
température = 21.5
名前 = "値"
_private = 1
x1_y2 = température
café = "crème brûlée ☕"
re = /^é+$/
r = {"ключ": 1}
