// Package planner exposes options that switch off individual query planner rules.
package planner

// disableLogicalRules lists the names of logical planner rules to skip.
option disableLogicalRules = [""]

// disablePhysicalRules lists the names of physical planner rules to skip.
option disablePhysicalRules = [""]
