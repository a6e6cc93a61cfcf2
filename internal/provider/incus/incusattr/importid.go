package incusattr

import (
	"fmt"
	"strings"

	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// ImportIDForm describes an Incus type's import ID:
// `[remote:][project/]parent/.../name`, the project part only for types
// that live in a project, and as many names as the object has (a volume is
// pool/name).
type ImportIDForm struct {
	InProject bool
	Names     []string // what each name is, outermost first: "pool", "name"
}

// String is the form as the docs show it, e.g. `[remote:][project/]pool/name`.
func (f ImportIDForm) String() string {
	s := "[remote:]"
	if f.InProject {
		s += "[project/]"
	}
	return s + strings.Join(f.Names, "/")
}

// Parse splits an import ID of this form. The remote is what comes before
// a ':' that no '/' precedes: a name may hold colons of its own (a
// forward's IPv6 listen address, `br0/2001:db8::5`), a remote never a '/'.
func (f ImportIDForm) Parse(id string) (remote, project string, names []string, err error) {
	rest := id
	if i := strings.Index(rest, ":"); i >= 0 && !strings.Contains(rest[:i], "/") {
		remote, rest = rest[:i], rest[i+1:]
		if !fw.BlockNameRE.MatchString(remote) {
			return "", "", nil, fmt.Errorf("%q is not a valid remote name", remote)
		}
	}
	parts := strings.Split(rest, "/")
	if f.InProject && len(parts) == len(f.Names)+1 {
		project, parts = parts[0], parts[1:]
		if project == "" {
			return "", "", nil, fmt.Errorf("the project before '/' is empty")
		}
	}
	if len(parts) != len(f.Names) {
		return "", "", nil, fmt.Errorf("it has %d '/'-separated names; the form is %s", len(parts), f)
	}
	for i, p := range parts {
		if p == "" {
			return "", "", nil, fmt.Errorf("the %s is empty; the form is %s", f.Names[i], f)
		}
	}
	return remote, project, parts, nil
}

// Format is the full import ID of an object of this form: every part
// written out, as Terraform records it in `id`.
func (f ImportIDForm) Format(remote, project string, names ...string) string {
	s := remote + ":"
	if f.InProject {
		s += project + "/"
	}
	return s + strings.Join(names, "/")
}
