// Package location holds the default time zone that calendar functions use.
package location

// location is the time zone record used when none is given; it defaults to UTC with no offset.
option location = {zone: "UTC", offset: 0h}
