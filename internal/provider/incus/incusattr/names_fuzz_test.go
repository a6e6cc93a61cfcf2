package incusattr

import (
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// FuzzParseIncusImportID: the import-ID parser never panics, an accepted ID
// has a usable name, and the ID the provider writes into state for it
// (incus.ImportID) parses back to the same parts, so importing again by the
// ID read from state finds the same object.
func FuzzParseIncusImportID(f *testing.F) {
	for _, seed := range []string{
		"web", "default/web", "local:web", "local:default/web", "prod-1:my.project/db-02",
		"test:default/life-0a1b2c3d", "images:debian/12", ":web", "local:", "local:/web",
		"/web", "a/b/c", "r:p/", "r:p:q/n", "bad remote:web", "", "ünï:cödé/名前",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		remote, project, name, err := parseInstanceID(id)
		if err != nil {
			if remote != "" || project != "" || name != "" {
				t.Fatalf("%q: error %v with parts %q %q %q", id, err, remote, project, name)
			}
			return
		}
		if name == "" || strings.Contains(name, "/") {
			t.Fatalf("%q: accepted a name %q that is empty or has a '/'", id, name)
		}
		if strings.Contains(project, "/") {
			t.Fatalf("%q: accepted a project %q with a '/'", id, project)
		}
		if remote != "" && !fw.BlockNameRE.MatchString(remote) {
			t.Fatalf("%q: accepted remote %q", id, remote)
		}

		// Re-formatting the parts gives the same ID and the same parts.
		formatted := name
		if project != "" {
			formatted = project + "/" + formatted
		}
		if remote != "" {
			formatted = remote + ":" + formatted
		}
		if formatted != id {
			t.Fatalf("%q parsed to %q %q %q, which format back to %q", id, remote, project, name, formatted)
		}

		// The ID in state always names remote and project; it must parse back.
		if remote == "" {
			remote = "local"
		}
		if project == "" {
			project = "default"
		}
		stateID := incus.ImportID(incus.Scope{Remote: remote, Project: project}, name)
		r2, p2, n2, err := parseInstanceID(stateID)
		if err != nil || r2 != remote || p2 != project || n2 != name {
			t.Fatalf("state ID %q (from %q) parsed to %q %q %q, %v; want %q %q %q", stateID, id, r2, p2, n2, err, remote, project, name)
		}
	})
}
