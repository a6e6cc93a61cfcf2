package moduletest

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	incusclient "github.com/lxc/incus/v6/client"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// lab is the example the guide "A small lab from scratch" shows in full.
const lab = "../../../examples/lab"

// labResources is how many resources the lab makes: project, pool, volume,
// ACL, zone, record, bridge, profile, two instances, the forward, web's
// snapshot and the image published from it.
const labResources = 13

// The lab example applies as written on the mock host (as `make mock` runs
// it) and on the real daemon when there is one, plans nothing afterwards,
// and destroys without leaving anything.
func TestAccLabExample(t *testing.T) {
	tf := setup(t)
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		socket, client := h.Socket, h.Client
		if h.IsMock() {
			// The mock as `make mock` starts it, not the tests' bare one.
			socket = filepath.Join(shortTempDir(t), "incus.sock")
			m, err := mockhost.StartIncusWith(socket, mockhost.IncusOptions{ImageAlias: acctest.DefaultImage, AdminInit: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = m.Close() })
			if client, err = incusclient.ConnectIncusUnix(socket, &incusclient.ConnectionArgs{SkipGetEvents: true}); err != nil {
				t.Fatal(err)
			}
		}
		dir := copyModule(t, lab)
		vars := []string{"-var", "incus_socket=" + socket, "-var", "image=" + h.Image}
		run := func(args ...string) string {
			t.Helper()
			out, err := tf.run(dir, append(args, vars...)...)
			if err != nil {
				t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return out
		}
		destroyed := false
		t.Cleanup(func() {
			if !destroyed {
				_, _ = tf.run(dir, append([]string{"destroy", "-auto-approve"}, vars...)...)
			}
		})
		out := run("apply", "-auto-approve")
		if !strings.Contains(out, fmt.Sprintf("Apply complete! Resources: %d added", labResources)) {
			t.Errorf("apply did not add the lab's %d resources:\n%s", labResources, out)
		}
		checkLabNetwork(t, client, h.IsMock())
		run("plan", "-detailed-exitcode") // exit status 2 (changes) fails run
		out = run("destroy", "-auto-approve")
		destroyed = true
		if !strings.Contains(out, fmt.Sprintf("Resources: %d destroyed", labResources)) {
			t.Errorf("destroy did not remove the lab's %d resources:\n%s", labResources, out)
		}
		if _, _, err := client.UseProject("lab").GetInstance("web"); err == nil {
			t.Errorf("instance web is left on the %s host", h.Name)
		}
		if _, _, err := client.UseProject("lab").GetImageAlias("lab-web-golden"); err == nil {
			t.Errorf("image lab-web-golden is left on the %s host", h.Name)
		}
		if _, _, err := client.GetNetwork("labbr0"); err == nil {
			t.Errorf("bridge labbr0 is left on the %s host", h.Name)
		}
	})
}

// checkLabNetwork: the bridge uses the lab's ACL and zone (they list it),
// the instances' NICs are on it, the forward leads to web, and on the mock (whose instances take
// their addresses as a DHCP client would; the real test image runs none)
// web has its fixed address.
func checkLabNetwork(t *testing.T, c incusclient.InstanceServer, mock bool) {
	t.Helper()
	acl, _, err := c.GetNetworkACL("lab")
	if err != nil || !slices.Contains(acl.UsedBy, "/1.0/networks/labbr0") {
		t.Errorf("ACL lab: used_by %v (%v), want the bridge labbr0", acl, err)
	}
	zone, _, err := c.GetNetworkZone("lab.example.net")
	if err != nil || !slices.Contains(zone.UsedBy, "/1.0/networks/labbr0") {
		t.Errorf("zone lab.example.net: %v (%v), want used by the bridge labbr0", zone, err)
	}
	n, _, err := c.GetNetwork("labbr0")
	if err != nil || !slices.Contains(n.UsedBy, "/1.0/instances/web?project=lab") || !slices.Contains(n.UsedBy, "/1.0/profiles/base?project=lab") {
		t.Errorf("bridge labbr0: used_by %v (%v), want web and the profile base", n, err)
	}
	fwd, _, err := c.GetNetworkForward("labbr0", "198.19.252.10")
	if err != nil || len(fwd.Ports) != 2 || fwd.Ports[0].TargetAddress != "198.18.252.10" {
		t.Errorf("forward 198.19.252.10 on labbr0: %+v (%v), want two ports to web's 198.18.252.10", fwd, err)
	}
	if !mock {
		return
	}
	st, _, err := c.UseProject("lab").GetInstanceState("web")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range st.Network["eth0"].Addresses {
		got = append(got, a.Address)
	}
	if !slices.Contains(got, "198.18.252.10") {
		t.Errorf("web's eth0 addresses %v, want its fixed 198.18.252.10", got)
	}
}
