package incusattr

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	hostnameCharsRE   = regexp.MustCompile(`^[-a-zA-Z0-9]+$`)
	deviceNameCharsRE = regexp.MustCompile(`^[-/.:_a-zA-Z0-9]+$`)
)

// InstanceNameProblem says why incusd would refuse an instance name ("" when
// it would not). The rules are those incusd 6.0 applies on create and rename
// (a DNS host name label; '/' is kept for snapshots), no more and no less:
// "1web" and "a--b" are accepted, "a-", "-a" and "123" are not.
func InstanceNameProblem(name string) string {
	switch {
	case strings.Contains(name, "/"):
		return `the character "/" is reserved for snapshots`
	case len(name) < 1 || len(name) > 63:
		return "it must be 1-63 characters long"
	case strings.HasPrefix(name, "-"):
		return `it must not start with "-"`
	case strings.HasSuffix(name, "-"):
		return `it must not end with "-"`
	case isDecimalUint64(name):
		return "it cannot be a number"
	case !hostnameCharsRE.MatchString(name):
		return "it can only contain letters (a-z, A-Z), digits and '-'"
	}
	return ""
}

// isDecimalUint64 is incusd's test for a name that is "a number": digits
// only, and small enough for 64 bits (a longer run of digits is a name).
func isDecimalUint64(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// DeviceNameProblem says why incusd 6.0 would refuse a device name ("" when
// it would not).
func DeviceNameProblem(name string) string {
	switch {
	case len(name) < 1 || len(name) > 63:
		return "it must be 1-63 characters long"
	case strings.HasPrefix(name, "."):
		return `it must not start with "."`
	case !deviceNameCharsRE.MatchString(name):
		return "it can only contain letters, digits, '/', '.', '-', ':' and '_'"
	}
	return ""
}

// InstanceImportID is the import ID of an instance:
// `[remote:][project/]name`.
var InstanceImportID = ImportIDForm{InProject: true, Names: []string{"name"}}

// ProfileNameProblem says why incusd 6.0 would refuse a profile name ("" when
// it would not): it checks only for a slash and the names "." and "..".
func ProfileNameProblem(name string) string {
	switch {
	case name == "":
		return "it must not be empty"
	case strings.Contains(name, "/"):
		return "it must not contain a slash"
	case name == "." || name == "..":
		return `it must not be "." or ".."`
	}
	return ""
}
