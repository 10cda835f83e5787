p = {id: 1, lat: 2.0, lon: 3.0}
x = p.lng
