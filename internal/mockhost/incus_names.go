package mockhost

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	hostnameCharsRE   = regexp.MustCompile(`^[-a-zA-Z0-9]+$`)
	deviceNameCharsRE = regexp.MustCompile(`^[-/.:_a-zA-Z0-9]+$`)
)

// instanceNameError is incusd 6.0's answer to an invalid instance name on
// create or rename (a synchronous 400), "" for a valid one: a DNS host name
// label that is not a number, and no '/' (kept for snapshots).
func instanceNameError(name string) string {
	problem := ""
	switch {
	case strings.Contains(name, "/"):
		return `The character "/" is reserved for snapshots`
	case len(name) < 1 || len(name) > 63:
		problem = "Name must be 1-63 characters long"
	case strings.HasPrefix(name, "-"):
		problem = `Name must not start with "-" character`
	case strings.HasSuffix(name, "-"):
		problem = `Name must not end with "-" character`
	case isNumber(name):
		problem = "Name cannot be a number"
	case !hostnameCharsRE.MatchString(name):
		problem = "Name can only contain alphanumeric and hyphen characters"
	default:
		return ""
	}
	return "Invalid instance name: " + problem
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// deviceNameError is what incusd 6.0 says of an invalid device name, "" for
// a valid one.
func deviceNameError(name string) string {
	switch {
	case len(name) < 1 || len(name) > 63:
		return "Name must be 1-63 characters long"
	case strings.HasPrefix(name, "."):
		return `Name must not start with "." character`
	case !deviceNameCharsRE.MatchString(name):
		return "Name can only contain alphanumeric, forward slash, hyphen, colon, underscore and full stop characters"
	}
	return ""
}
