// Package boundaries gives the start and stop of calendar periods around today (the day of
// `now()` on the wall clock of the `location` option): yesterday, the last Monday or
// other weekday, a week, a month. Each function returns `{start, stop}` for `range`.
package boundaries


import "date"

// yesterday returns the day before today: from its midnight to today's.
yesterday = () => ({start: date.sub(d: 1d, from: today()), stop: today()})

// _lastWeekday returns the day `weekday` (0 = Sunday) that came last strictly before the
// day of `t`: 1 to 7 days back, truncated to its midnight.
_lastWeekday = (t, weekday) => {
    back = (date.weekDay(t: t) - weekday + 7) % 7
    days = if back == 0 then 7 else back

    return date.truncate(t: date.sub(d: date.scale(d: 1d, n: days), from: t), unit: 1d)
}

_lastDay = (weekday) => {
    start = _lastWeekday(t: today(), weekday: weekday)

    return {start: start, stop: date.add(d: 1d, to: start)}
}

// monday returns the last Monday before today (a week ago when today is Monday).
monday = () => _lastDay(weekday: date.Monday)

// tuesday returns the last Tuesday before today.
tuesday = () => _lastDay(weekday: date.Tuesday)

// wednesday returns the last Wednesday before today.
wednesday = () => _lastDay(weekday: date.Wednesday)

// thursday returns the last Thursday before today.
thursday = () => _lastDay(weekday: date.Thursday)

// friday returns the last Friday before today.
friday = () => _lastDay(weekday: date.Friday)

// saturday returns the last Saturday before today.
saturday = () => _lastDay(weekday: date.Saturday)

// sunday returns the last Sunday before today.
sunday = () => _lastDay(weekday: date.Sunday)

// month returns the calendar month of today, or `month_offset` months from it (-1: the
// month before).
month = (month_offset=0) => {
    start = date.add(d: date.scale(d: 1mo, n: month_offset), to: date.truncate(t: today(), unit: 1mo))

    return {start: start, stop: date.add(d: 1mo, to: start)}
}

// week returns the week that holds today, starting on Monday (on Sunday with
// `start_sunday: true`), or `week_offset` weeks from it.
week = (week_offset=0, start_sunday=false) => {
    first = if start_sunday then date.Sunday else date.Monday
    day = date.add(d: date.scale(d: 1w, n: week_offset), to: today())
    back = (date.weekDay(t: day) - first + 7) % 7
    start = date.truncate(t: date.sub(d: date.scale(d: 1d, n: back), from: day), unit: 1d)

    return {start: start, stop: date.add(d: 1w, to: start)}
}
