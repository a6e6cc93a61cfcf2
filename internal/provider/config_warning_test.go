package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/rackform/terraform-provider-rack/internal/incus"
)

func TestDefaultSocketWarning(t *testing.T) {
	t.Setenv("INCUS_SOCKET", "")
	t.Setenv("INCUS_DIR", "")
	live := func(string) bool { return true }
	dead := func(string) bool { return false }
	local := incus.Remote{Name: "local", Address: "unix://"}
	const test = "TF_ACC is set (an acceptance test)"

	for _, c := range []struct {
		name      string
		remote    incus.Remote
		fromBlock bool
		test      string
		isSocket  func(string) bool
		want      bool
	}{
		{"fallback to a live default socket in a test", local, false, test, live, true},
		{"same, from an incus CLI remote spelled unix:", incus.Remote{Name: "lab", Address: "unix:"}, false, test, live, true},
		{"not a test", local, false, "", live, false},
		{"no daemon at the default socket", local, false, test, dead, false},
		{"an incus_remote block chose the default socket", local, true, test, live, false},
		{"a socket path named", incus.Remote{Name: "mock", Address: "unix:///tmp/mock.sock"}, false, test, live, false},
		{"an https remote", incus.Remote{Name: "lab", Address: "https://127.0.0.1:8443"}, false, test, live, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			summary, detail, ok := defaultSocketWarning(c.remote, c.fromBlock, c.test, c.isSocket)
			if ok != c.want {
				t.Fatalf("warning = %v, want %v (%s: %s)", ok, c.want, summary, detail)
			}
			socket := c.remote.SocketPath()
			if ok && (!strings.Contains(detail, "using the local Incus at "+socket) || !strings.Contains(detail, c.test) || !strings.Contains(detail, "incus_remote")) {
				t.Errorf("the warning must name the socket, the sign of a test and the fix:\n%s", detail)
			}
		})
	}

	// INCUS_SOCKET or INCUS_DIR is an explicit choice too.
	for _, env := range []string{"INCUS_SOCKET", "INCUS_DIR"} {
		t.Run(env+" set", func(t *testing.T) {
			t.Setenv(env, "/tmp/somewhere")
			if _, _, ok := defaultSocketWarning(local, false, test, live); ok {
				t.Errorf("warned although %s names the server", env)
			}
		})
	}
}

func TestIsTestCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"terraform", "test"}, true},
		{[]string{"/usr/bin/terraform", "-chdir=mod", "test", "-var", "x=1"}, true},
		{[]string{"tofu", "test", "-verbose"}, true},
		{[]string{"terraform", "apply", "-auto-approve"}, false},
		{[]string{"terraform", "plan", "-var", "test"}, false},
		{[]string{"terraform", ""}, false},
		{[]string{"terraform"}, false},
		{nil, false},
	} {
		if got := isTestCommand(c.args); got != c.want {
			t.Errorf("isTestCommand(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

// Configure itself warns for an empty provider block under TF_ACC exactly
// when the default socket has a daemon behind it on this machine.
func TestConfigureWarnsOnDefaultSocket(t *testing.T) {
	t.Setenv("TF_ACC", "1")
	t.Setenv("INCUS_SOCKET", "")
	t.Setenv("INCUS_DIR", "")
	t.Setenv("INCUS_CONF", t.TempDir()) // no incus CLI remotes: "local" is the default
	ctx := context.Background()
	p := New("test")()
	var sr provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	nulls := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		nulls[name] = tftypes.NewValue(at, nil)
	}
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: tftypes.NewValue(typ, nulls)}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Configure failed: %v", resp.Diagnostics)
	}
	socket, _ := incus.Remote{Address: "unix://"}.DefaultSocket()
	warned := false
	for _, d := range resp.Diagnostics.Warnings() {
		if strings.Contains(d.Detail(), "using the local Incus at "+socket) {
			warned = true
		}
	}
	if want := isUnixSocket(socket); warned != want {
		t.Errorf("warned = %v, want %v (a daemon at %s: %v); diagnostics: %v", warned, want, socket, want, resp.Diagnostics)
	}
}
