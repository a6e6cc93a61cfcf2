package provider

import (
	"fmt"
	"regexp"
	"strings"
)

var remoteNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// instanceNameRE is Incus's rule for instance names (checked at plan time).
var instanceNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,62}$`)

// parseIncusImportID splits "[remote:][project/]name".
func parseIncusImportID(id string) (remote, project, name string, err error) {
	rest := id
	if i := strings.Index(rest, ":"); i >= 0 {
		remote, rest = rest[:i], rest[i+1:]
		if !remoteNameRE.MatchString(remote) {
			return "", "", "", fmt.Errorf("%q is not a valid remote name", remote)
		}
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		project, rest = rest[:i], rest[i+1:]
		if project == "" {
			return "", "", "", fmt.Errorf("the project before '/' is empty")
		}
	}
	if rest == "" || strings.Contains(rest, "/") {
		return "", "", "", fmt.Errorf("the name is missing or has a '/'")
	}
	return remote, project, rest, nil
}

// imageNameRE is a plain file name, as kvmd keeps it unchanged.
var imageNameRE = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,254}$`)
