x = /a(b/
