import "planner"
import "testing"
import "timezone"

option now = () => 2030-01-01T00:00:00Z
option location = timezone.utc
option planner.disablePhysicalRules = ["PushDownRangeRule"]
option testing.tags = ["a", "b"]
option myOption = 42
x = myOption + 1
