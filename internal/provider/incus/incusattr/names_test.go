package incusattr

import "testing"

func TestParseIncusImportID(t *testing.T) {
	for id, want := range map[string][3]string{
		"web":               {"", "", "web"},
		"prod/web":          {"", "prod", "web"},
		"local:web":         {"local", "", "web"},
		"local:default/web": {"local", "default", "web"},
	} {
		r, p, n, err := parseInstanceID(id)
		if err != nil || [3]string{r, p, n} != want {
			t.Errorf("parseInstanceID(%q) = %q %q %q %v, want %v", id, r, p, n, err, want)
		}
	}
	for _, bad := range []string{"", "a/b/c", "local:", "/web", "bad remote:web"} {
		if _, _, _, err := parseInstanceID(bad); err == nil {
			t.Errorf("parseInstanceID(%q) accepted", bad)
		}
	}
}

// parseInstanceID is InstanceImportID.Parse with the one name unpacked.
func parseInstanceID(id string) (remote, project, name string, err error) {
	remote, project, names, err := InstanceImportID.Parse(id)
	if err != nil {
		return "", "", "", err
	}
	return remote, project, names[0], nil
}
