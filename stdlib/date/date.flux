// Package date extracts calendar fields from times and does calendar arithmetic.
package date

// second gives the seconds field (0-59) of the time `t`.
builtin second : (t: T) => int where T: Timeable

// time converts `t` (a time, or a duration relative to now) into a time value, interpreted in `location`.
builtin time : (t: T, ?location: {zone: string, offset: duration}) => time where T: Timeable

// minute gives the minute (0-59) of `t` in `location`.
builtin minute : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// hour gives the hour (0-23) of `t` in `location`.
builtin hour : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// weekDay gives the day of the week of `t` in `location`, with Sunday as 0.
builtin weekDay : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// monthDay gives the day of the month (1-31) of `t` in `location`.
builtin monthDay : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// yearDay gives the day of the year (1-366) of `t` in `location`.
builtin yearDay : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// month gives the month (1-12) of `t` in `location`.
builtin month : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// year gives the year of `t` in `location`.
builtin year : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// week gives the ISO week of the year (1-53) of `t` in `location`.
builtin week : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// quarter gives the quarter of the year (1-4) of `t` in `location`.
builtin quarter : (t: T, ?location: {zone: string, offset: duration}) => int where T: Timeable

// millisecond gives the milliseconds within the current second of `t`.
builtin millisecond : (t: T) => int where T: Timeable

// microsecond gives the microseconds within the current second of `t`.
builtin microsecond : (t: T) => int where T: Timeable

// nanosecond gives the nanoseconds within the current second of `t`.
builtin nanosecond : (t: T) => int where T: Timeable

// add moves the time `to` forward by the duration `d`, using calendar rules of `location`.
builtin add : (d: duration, to: T, ?location: {zone: string, offset: duration}) => time where T: Timeable

// sub moves the time `from` back by the duration `d`, using calendar rules of `location`.
builtin sub : (d: duration, from: T, ?location: {zone: string, offset: duration}) => time where T: Timeable

// truncate rounds `t` down to a whole `unit` (such as 1h or 1mo) in `location`.
builtin truncate : (t: T, unit: duration, ?location: {zone: string, offset: duration}) => time where T: Timeable

// scale multiplies the duration `d` by the integer `n`.
builtin scale : (d: duration, n: int) => duration

// Sunday is the day-of-week number 0.
builtin Sunday : int

// Monday is the day-of-week number 1.
builtin Monday : int

// Tuesday is the day-of-week number 2.
builtin Tuesday : int

// Wednesday is the day-of-week number 3.
builtin Wednesday : int

// Thursday is the day-of-week number 4.
builtin Thursday : int

// Friday is the day-of-week number 5.
builtin Friday : int

// Saturday is the day-of-week number 6.
builtin Saturday : int

// January is the month number 1.
builtin January : int

// February is the month number 2.
builtin February : int

// March is the month number 3.
builtin March : int

// April is the month number 4.
builtin April : int

// May is the month number 5.
builtin May : int

// June is the month number 6.
builtin June : int

// July is the month number 7.
builtin July : int

// August is the month number 8.
builtin August : int

// September is the month number 9.
builtin September : int

// October is the month number 10.
builtin October : int

// November is the month number 11.
builtin November : int

// December is the month number 12.
builtin December : int
