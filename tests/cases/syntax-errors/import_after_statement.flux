x = 1
import "csv"
