package incusattr

import "testing"

func TestParseIncusImportID(t *testing.T) {
	for id, want := range map[string][3]string{
		"web":               {"", "", "web"},
		"prod/web":          {"", "prod", "web"},
		"local:web":         {"local", "", "web"},
		"local:default/web": {"local", "default", "web"},
	} {
		r, p, n, err := ParseImportID(id)
		if err != nil || [3]string{r, p, n} != want {
			t.Errorf("ParseImportID(%q) = %q %q %q %v, want %v", id, r, p, n, err, want)
		}
	}
	for _, bad := range []string{"", "a/b/c", "local:", "/web", "bad remote:web"} {
		if _, _, _, err := ParseImportID(bad); err == nil {
			t.Errorf("ParseImportID(%q) accepted", bad)
		}
	}
}
