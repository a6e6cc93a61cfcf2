package mockhost

import (
	"strings"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
)

// TestNetworkAPI: the fake's /1.0/networks answers as incusd 6.0.4 does
// (texts recorded against the real daemon, see internal/incus/networks.go).
func TestNetworkAPI(t *testing.T) {
	_, c := startFakeIncus(t, IncusOptions{ImageAlias: "rack-busybox"})
	bridge := func(name, v4 string) api.NetworksPost {
		return api.NetworksPost{Name: name, NetworkPut: api.NetworkPut{Config: map[string]string{"ipv4.address": v4, "ipv4.nat": "false", "ipv6.address": "none"}}}
	}
	wantErr := func(what string, err error, text string) {
		t.Helper()
		if err == nil || err.Error() != text {
			t.Errorf("%s: got %v, want %q", what, err, text)
		}
	}
	if err := c.CreateNetwork(bridge("br1", "198.18.0.1/24")); err != nil {
		t.Fatal(err)
	}
	n, etag, err := c.GetNetwork("br1")
	if err != nil || n.Type != "bridge" || !n.Managed || n.Config["ipv4.address"] != "198.18.0.1/24" || etag == "" {
		t.Fatalf("GetNetwork: %+v %q %v", n, etag, err)
	}
	wantErr("taken", c.CreateNetwork(bridge("br1", "198.18.1.1/24")), `Network "br1" already exists`)
	wantErr("bad address", c.CreateNetwork(bridge("br2", "bogus")), `Invalid value for network "br2" option "ipv4.address": invalid CIDR address: bogus`)
	wantErr("bad key", c.CreateNetwork(api.NetworksPost{Name: "br2", NetworkPut: api.NetworkPut{Config: map[string]string{"bogus.key": "1"}}}), `Invalid option for network "br2" option "bogus.key"`)
	wantErr("macvlan without parent", c.CreateNetwork(api.NetworksPost{Name: "mv", Type: "macvlan"}), `Invalid value for network "mv" option "parent": Required value`)
	wantErr("member key", c.UseTarget("node9").CreateNetwork(bridge("br2", "198.18.1.1/24")), `Config key "ipv4.address" may not be used as member-specific key`)
	wantErr("no member", c.UseTarget("node9").CreateNetwork(api.NetworksPost{Name: "br2", NetworkPut: api.NetworkPut{Config: map[string]string{"bridge.external_interfaces": "eth9"}}}), "Cluster member not found")
	wantErr("bad name", c.CreateNetwork(bridge("a:b", "198.18.1.1/24")), "Network interface contains invalid characters")
	wantErr("long name", c.CreateNetwork(bridge("abcdefghijklmnop", "198.18.1.1/24")), "Network interface is too long (maximum 15 characters)")
	wantErr("none", c.CreateNetwork(bridge("none", "198.18.1.1/24")), "Network name 'none' is not valid")
	wantErr("bad update", c.UpdateNetwork("br1", api.NetworkPut{Config: map[string]string{"ipv4.address": "198.18.0.1/33"}}, ""), `Invalid value for network "br1" option "ipv4.address": invalid CIDR address: 198.18.0.1/33`)
	wantErr("stale etag", c.UpdateNetwork("br1", api.NetworkPut{}, "stale"), "ETag doesn't match: "+strings.Trim(etag, `"`)+" vs stale")

	// A PUT without an address removes it; auto picks one, never the current one.
	if err := c.UpdateNetwork("br1", api.NetworkPut{Config: map[string]string{"ipv4.address": "auto"}}, ""); err != nil {
		t.Fatal(err)
	}
	n, _, _ = c.GetNetwork("br1")
	first := n.Config["ipv4.address"]
	if first == "" || first == "auto" || n.Config["ipv4.nat"] != "true" {
		t.Fatalf("auto not filled in: %v", n.Config)
	}
	_ = c.UpdateNetwork("br1", api.NetworkPut{Config: map[string]string{"ipv4.address": "auto"}}, "")
	if n, _, _ = c.GetNetwork("br1"); n.Config["ipv4.address"] == first {
		t.Errorf("auto gave the current subnet %s again", first)
	}

	// In use by an instance's NIC: rename and delete refused, used_by lists it.
	op, err := c.CreateInstance(api.InstancesPost{Name: "c1", Source: api.InstanceSource{Type: "image", Alias: "rack-busybox"},
		InstancePut: api.InstancePut{Devices: map[string]map[string]string{"eth0": {"type": "nic", "network": "br1", "name": "eth0"}}}})
	mustOp(t, op, err)
	if n, _, _ = c.GetNetwork("br1"); len(n.UsedBy) != 1 || n.UsedBy[0] != "/1.0/instances/c1" {
		t.Errorf("used_by: %v", n.UsedBy)
	}
	wantErr("rename in use", c.RenameNetwork("br1", api.NetworkPost{Name: "br9"}), "Network is currently in use")
	wantErr("delete in use", c.DeleteNetwork("br1"), "The network is currently in use")
	op, err = c.DeleteInstance("c1")
	mustOp(t, op, err)

	if err := c.CreateNetwork(bridge("br3", "198.18.3.1/24")); err != nil {
		t.Fatal(err)
	}
	wantErr("rename to a taken name", c.RenameNetwork("br1", api.NetworkPost{Name: "br3"}), `Network "br3" already exists`)
	if err := c.RenameNetwork("br1", api.NetworkPost{Name: "br9"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteNetwork("br9"); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.GetNetwork("br9")
	wantErr("gone", err, "Network not found")
	wantErr("delete gone", c.DeleteNetwork("br9"), "Failed loading network: Network not found")
}

// TestNetworkLinks: a bridge's security.acls and dns.zone.* keys must name
// existing ACLs and zones (zones checked first; 500 on a create, 400 on an
// update), and those then list the
// network in used_by and refuse delete (and the ACL rename), on the fake as
// on incusd 6.0.4.
func TestNetworkLinks(t *testing.T) {
	const bridge = `"ipv4.address":"198.18.251.1/24","ipv4.nat":"false","ipv6.address":"none"`
	steps := []scenarioStep{
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","config":{` + bridge + `,"security.acls":"%[1]s-a"}}`, status: 500,
			text: `Network ACL "%[1]s-a" does not exist`},
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","config":{` + bridge + `,"security.acls":"%[1]s-a","dns.zone.forward":"%[1]s.example.net"}}`, status: 500,
			text: `Invalid "dns.zone.forward", network zone "%[1]s.example.net" not found`},
		{method: "POST", path: "/1.0/network-acls", body: `{"name":"%[1]s-a"}`, status: 201},
		{method: "POST", path: "/1.0/network-zones", body: `{"name":"%[1]s.example.net"}`, status: 201},
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","config":{` + bridge + `,"security.acls":"%[1]s-a","dns.zone.forward":"%[1]s.example.net"}}`, status: 201},
		{method: "GET", path: "/1.0/network-acls/%[1]s-a", status: 200, has: []string{`"used_by":["/1.0/networks/%[1]s-n"]`}},
		{method: "GET", path: "/1.0/network-zones/%[1]s.example.net", status: 200, has: []string{`"used_by":["/1.0/networks/%[1]s-n"]`}},
		{method: "DELETE", path: "/1.0/network-acls/%[1]s-a", status: 500, text: "Cannot delete an ACL that is in use"},
		{method: "POST", path: "/1.0/network-acls/%[1]s-a", body: `{"name":"%[1]s-b"}`, status: 500, text: "Cannot rename an ACL that is in use"},
		{method: "DELETE", path: "/1.0/network-zones/%[1]s.example.net", status: 500, text: "Cannot delete a zone that is in use"},
		{method: "PUT", path: "/1.0/networks/%[1]s-n", body: `{"config":{` + bridge + `,"security.acls":"%[1]s-x"}}`, status: 400,
			text: `Network ACL "%[1]s-x" does not exist`},
		{method: "PUT", path: "/1.0/networks/%[1]s-n", body: `{"config":{` + bridge + `}}`, status: 200},
		{method: "GET", path: "/1.0/network-acls/%[1]s-a", status: 200, has: []string{`"used_by":[]`}},
		{method: "DELETE", path: "/1.0/network-zones/%[1]s.example.net", status: 200},
		{method: "DELETE", path: "/1.0/network-acls/%[1]s-a", status: 200},
		{method: "DELETE", path: "/1.0/networks/%[1]s-n", status: 200},
	}
	runScenario(t, steps, []string{
		"DELETE /1.0/networks/%[1]s-n", "DELETE /1.0/network-acls/%[1]s-a", "DELETE /1.0/network-zones/%[1]s.example.net",
	})
}

// TestProjectNetworks: a project with features.networks has networks of
// its own (OVN only): it sees none of the default project's, and a bridge
// cannot be made in it.
func TestProjectNetworks(t *testing.T) {
	const bridge = `"ipv4.address":"198.18.250.1/24","ipv4.nat":"false","ipv6.address":"none"`
	steps := []scenarioStep{
		{method: "POST", path: "/1.0/networks", body: `{"name":"%[1]s-n","config":{` + bridge + `}}`, status: 201},
		{method: "POST", path: "/1.0/projects", body: `{"name":"%[1]s-p","config":{"features.networks":"true"}}`, status: 201},
		{method: "POST", path: "/1.0/networks?project=%[1]s-p", body: `{"name":"%[1]s-m","type":"bridge","config":{` + bridge + `}}`, status: 400,
			text: "Network type does not support non-default projects"},
		{method: "GET", path: "/1.0/networks/%[1]s-n?project=%[1]s-p", status: 404, text: "Network not found"},
		{method: "GET", path: "/1.0/networks/%[1]s-n/forwards?project=%[1]s-p", status: 404, text: "Failed loading network: Network not found"},
		{method: "POST", path: "/1.0/networks/%[1]s-n/forwards?project=%[1]s-p", body: `{"listen_address":"198.19.250.5"}`, status: 404, text: "Failed loading network: Network not found"},
		{method: "GET", path: "/1.0/networks/%[1]s-n/peers?project=%[1]s-p", status: 404, text: "Failed loading network: Network not found"},
		{method: "GET", path: "/1.0/networks?project=%[1]s-p", status: 200, has: []string{`[]`}}, // none
		{method: "POST", path: "/1.0/projects", body: `{"name":"%[1]s-q"}`, status: 201},
		{method: "GET", path: "/1.0/networks/%[1]s-n?project=%[1]s-q", status: 200},
		{method: "DELETE", path: "/1.0/networks/%[1]s-n", status: 200},
	}
	runScenario(t, steps, []string{"DELETE /1.0/networks/%[1]s-n", "DELETE /1.0/projects/%[1]s-p", "DELETE /1.0/projects/%[1]s-q"})
}
