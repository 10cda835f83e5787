x = 1
@edition("2022.1")
