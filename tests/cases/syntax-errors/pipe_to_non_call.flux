x = data |> yield
