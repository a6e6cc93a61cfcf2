package incusattr

import (
	"slices"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/incus"
)

func TestImportIDForm(t *testing.T) {
	volume := ImportIDForm{InProject: true, Names: []string{"pool", "name"}}
	pool := ImportIDForm{Names: []string{"name"}}
	forward := ImportIDForm{InProject: true, Names: []string{"network", "listen_address"}}
	for _, tc := range []struct {
		form          ImportIDForm
		id            string
		remote, proj  string
		names         []string
		wantErr       bool
		formatted, as string
	}{
		{form: volume, id: "default/data", names: []string{"default", "data"}},
		{form: volume, id: "lab/default/data", proj: "lab", names: []string{"default", "data"}},
		{form: volume, id: "r:lab/default/data", remote: "r", proj: "lab", names: []string{"default", "data"}},
		{form: volume, id: "data", wantErr: true},
		{form: volume, id: "a/b/c/d", wantErr: true},
		{form: volume, id: "/default/data", wantErr: true},
		{form: volume, id: "lab//data", wantErr: true},
		{form: pool, id: "r:fast", remote: "r", names: []string{"fast"}},
		{form: pool, id: "lab/fast", wantErr: true},
		{form: pool, id: "bad remote:fast", wantErr: true},
		// A forward's key is an IP address: an IPv6 one holds colons.
		{form: forward, id: "test:default/br0/2001:db8::5", remote: "test", proj: "default", names: []string{"br0", "2001:db8::5"}},
		{form: forward, id: "br0/2001:db8::5", names: []string{"br0", "2001:db8::5"}},
		{form: forward, id: "lab/br0/2001:db8::5", proj: "lab", names: []string{"br0", "2001:db8::5"}},
		{form: forward, id: "r:br0/198.18.0.5", remote: "r", names: []string{"br0", "198.18.0.5"}},
		{form: forward, id: "r:lab/br0/::1", remote: "r", proj: "lab", names: []string{"br0", "::1"}},
	} {
		r, p, n, err := tc.form.Parse(tc.id)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: Parse(%q) error %v, want error %v", tc.form, tc.id, err, tc.wantErr)
			continue
		}
		if err == nil && (r != tc.remote || p != tc.proj || !slices.Equal(n, tc.names)) {
			t.Errorf("%s: Parse(%q) = %q %q %q", tc.form, tc.id, r, p, n)
		}
	}
	if got := volume.Format("local", "lab", "default", "data"); got != "local:lab/default/data" {
		t.Errorf("volume Format = %q", got)
	}
	if got := pool.Format("local", "ignored", "fast"); got != "local:fast" {
		t.Errorf("pool Format = %q", got)
	}
	if got := volume.String(); got != "[remote:][project/]pool/name" {
		t.Errorf("String = %q", got)
	}
}

// The client names the import ID in its Conflict errors; the provider
// writes it into `id`: the two agree.
func TestImportIDFormMatchesClient(t *testing.T) {
	s := incus.Scope{Remote: "r", Project: "lab"}
	inProject := ImportIDForm{InProject: true, Names: []string{"pool", "volume", "name"}}
	if got, want := inProject.Format(s.Remote, s.Project, "p", "v", "n"), incus.ImportID(s, "p", "v", "n"); got != want {
		t.Errorf("in a project: provider %q, client %q", got, want)
	}
	server := ImportIDForm{Names: []string{"name"}}
	if got, want := server.Format(s.Remote, s.Project, "fast"), incus.ServerImportID(s.Remote, "fast"); got != want {
		t.Errorf("server-wide: provider %q, client %q", got, want)
	}
}
