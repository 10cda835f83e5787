import "array"
import "experimental/date/boundaries"
import "timezone"

// A Wednesday evening in New York, four days after daylight-saving time began.
option now = () => 2024-03-14T01:30:00Z
option location = timezone.location(name: "America/New_York")

row = (name, b) => ({name: name, start: b.start, stop: b.stop})

array.from(
    rows: [
        row(name: "yesterday", b: boundaries.yesterday()),
        row(name: "monday", b: boundaries.monday()),
        row(name: "wednesday (a week back)", b: boundaries.wednesday()),
        row(name: "sunday (across the change)", b: boundaries.sunday()),
        row(name: "week", b: boundaries.week()),
        row(name: "week from sunday", b: boundaries.week(start_sunday: true)),
        row(name: "last week", b: boundaries.week(week_offset: -1)),
        row(name: "month", b: boundaries.month()),
        row(name: "last month", b: boundaries.month(month_offset: -1)),
    ],
)
