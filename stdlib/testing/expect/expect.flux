// Package expect states expectations that a test places on the query planner.
package expect

// planner records how many times each named planner rule is expected to fire; `rules` maps rule names to counts.
builtin planner : (rules: [string:int]) => {}
