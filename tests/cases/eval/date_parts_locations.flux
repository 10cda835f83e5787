import "array"
import "date"
import "timezone"

t = 2021-03-14T06:59:00Z
ny = timezone.location(name: "America/New_York")
kolkata = timezone.location(name: "Asia/Kolkata")

array.from(rows: [
    {zone: "UTC", hour: date.hour(t: t), day: date.monthDay(t: t), weekDay: date.weekDay(t: t), truncated: date.truncate(t: t, unit: 1d)},
    {zone: "New York", hour: date.hour(t: t, location: ny), day: date.monthDay(t: t, location: ny), weekDay: date.weekDay(t: t, location: ny), truncated: date.truncate(t: t, unit: 1d, location: ny)},
    {zone: "Kolkata", hour: date.hour(t: t, location: kolkata), day: date.monthDay(t: t, location: kolkata), weekDay: date.weekDay(t: t, location: kolkata), truncated: date.truncate(t: t, unit: 1d, location: kolkata)},
])
