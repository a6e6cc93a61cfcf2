// Package incusattr holds what every Incus resource type shares: the
// remote and project attributes and their resolution, import IDs, name
// rules, config maps and devices.
package incusattr
