x = "price: \$5"
