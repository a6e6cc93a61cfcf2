package mockhost

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
)

// Integrations need no OVN: incusd 6.0.4 keeps them in its database, so the
// fake's answers are checked against a real incusd too (RACK_ACC_INCUS_SOCKET).
func TestIncusNetworkIntegrationTexts(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			a, b, c := "rack-ni-"+randomHex(), "rack-ni-"+randomHex(), "rack-ni-"+randomHex()
			t.Cleanup(func() {
				for _, n := range []string{a, b, c} {
					h.do("DELETE", "/1.0/network-integrations/"+n, "")
				}
			})
			const base = "/1.0/network-integrations"
			runWireSteps(t, h, []wireStep{
				{"POST", base, `{"name":"` + a + `","type":"ovn","config":{"ovn.northbound_connection":"tcp:127.0.0.1:6641","ovn.client_key":"k"}}`, 201, ""},
				{"POST", base, `{"name":"` + a + `","type":"ovn"}`, 500, `Failed to create "networks_integrations" entry: UNIQUE constraint failed: networks_integrations.name`},
				{"POST", base, `{"name":"` + b + `","type":"bgp"}`, 400, `Invalid integration type "bgp"`},
				{"POST", base, `{"name":"` + b + `","type":"ovn","config":{"foo":"1"}}`, 400, `Invalid network integration configuration key "foo"`},
				{"POST", base, `{"name":"` + b + `","type":"ovn","config":{"user.x":"1"}}`, 201, ""},
				{"GET", base + "/rack-nosuchint", "", 404, "Network_integration not found"},
				{"GET", base + "/" + a + "?project=rack-nosuchproj", "", 404, `Failed to load network restrictions from project "rack-nosuchproj": Project not found`},
				{"PUT", base + "/" + a, `{"config":{"bad":"x"}}`, 400, `Invalid network integration configuration key "bad"`},
				{"PUT", base + "/rack-nosuchint", `{}`, 404, "Network_integration not found"},
				{"POST", base + "/" + a, `{"name":"` + b + `"}`, 500, "Rename NetworkIntegration failed: UNIQUE constraint failed: networks_integrations.name"},
				{"POST", base + "/rack-nosuchint", `{"name":"rack-x"}`, 500, "Query affected 0 rows instead of 1"},
				{"POST", base + "/" + a, `{"name":"` + c + `"}`, 200, ""},
				{"DELETE", base + "/rack-nosuchint", "", 404, "Network_integration not found"},
				{"GET", base + "/" + a, "", 404, "Network_integration not found"},
			})
			_, env := h.do("GET", base+"/"+c, "")
			var got api.NetworkIntegration
			if err := json.Unmarshal(env.Metadata, &got); err != nil || got.Type != "ovn" || got.Config["ovn.client_key"] != "k" || len(got.UsedBy) != 0 {
				t.Errorf("integration %s reads back as %s", c, env.Metadata)
			}
		})
	}
}

// Peers on a network that is not OVN, or that does not exist: incusd
// refuses before it looks at the peer (checked on a real bridge too).
func TestIncusNetworkPeerOnBridge(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			hex := randomHex()
			br := "rkp" + hex
			t.Cleanup(func() { h.do("DELETE", "/1.0/networks/"+br, "") })
			refused := `Network driver "bridge" does not support peering`
			runWireSteps(t, h, []wireStep{
				{"POST", "/1.0/networks", fmt.Sprintf(`{"name":%q,"type":"bridge","config":{"ipv4.address":"%s.1/24","ipv4.nat":"false","ipv6.address":"none"}}`, br, testSubnet()), 201, ""},
				{"POST", "/1.0/networks/" + br + "/peers", `{"name":"p1","target_network":"x"}`, 400, refused},
				{"GET", "/1.0/networks/" + br + "/peers", "", 400, refused},
				{"GET", "/1.0/networks/" + br + "/peers/p1", "", 400, refused},
				{"PUT", "/1.0/networks/" + br + "/peers/p1", `{}`, 400, refused},
				{"DELETE", "/1.0/networks/" + br + "/peers/p1", "", 400, refused},
				{"POST", "/1.0/networks/rack-nosuchnet/peers", `{"name":"p1","target_network":"x"}`, 404, "Failed loading network: Network not found"},
				{"GET", "/1.0/networks/rack-nosuchnet/peers/p1", "", 404, "Failed loading network: Network not found"},
				{"DELETE", "/1.0/networks/rack-nosuchnet/peers/p1", "", 404, "Failed loading network: Network not found"},
				{"POST", "/1.0/networks/" + br + "/peers?project=rack-nosuchproj", `{"name":"p1","target_network":"x"}`, 404, `Failed to load project "rack-nosuchproj": Project not found`},
			})
		})
	}
}

// OVN networks and their peers exist only on the fake here (the real
// incusd has no OVN); its answers follow the Incus source.
func TestIncusNetworkPeerOVN(t *testing.T) {
	m, err := StartIncus(filepath.Join(t.TempDir(), "incus.sock"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	h := &rawIncus{t: t, socket: m.Socket()}
	peers := func(n string) string { return "/1.0/networks/" + n + "/peers" }
	fail := func(s string) string { return "Failed creating peer: " + s }
	runWireSteps(t, h, []wireStep{
		{"POST", "/1.0/networks", `{"name":"ovn0","type":"ovn","config":{"network":"nope"}}`, 500, `Option "network" value "nope" is not one of the allowed uplink networks in project`},
		{"POST", "/1.0/networks", `{"name":"ovn0","type":"ovn","config":{"bridge.driver":"openvswitch"}}`, 500, `Invalid option for network "ovn0" option "bridge.driver"`},
		{"POST", "/1.0/networks", `{"name":"ovn1","type":"ovn"}`, 201, ""}, // mockbr0, the only uplink
		{"POST", "/1.0/networks", `{"name":"br2","config":{"ipv4.address":"198.19.2.1/24","ipv4.nat":"false","ipv6.address":"none"}}`, 201, ""},
		{"POST", "/1.0/networks", `{"name":"ovn0","type":"ovn"}`, 500, `Option "network" is required`},
		{"POST", "/1.0/networks", `{"name":"ovn2","type":"ovn","config":{"network":"br2"}}`, 201, ""},
		{"POST", peers("ovn1"), `{"name":"p1","target_network":"ovn2"}`, 201, ""},
		{"POST", peers("ovn1"), `{"name":"p1","target_network":"ovn3"}`, 409, fail("A peer for that name already exists")},
		{"POST", peers("ovn1"), `{"name":"p9","target_network":"ovn2"}`, 409, fail("A peer for that target network already exists")},
		{"POST", peers("ovn1"), `{"name":"p9"}`, 400, fail("Target network is required")},
		{"POST", peers("ovn1"), `{"name":"p9","type":"remote"}`, 400, fail("Target integration is required")},
		{"POST", peers("ovn1"), `{"name":"p9","type":"remote","target_integration":"rack-nosuchint"}`, 404, fail("Network_integration not found")},
		{"POST", peers("ovn1"), `{"name":"internal","target_network":"ovn9"}`, 500, fail("Name cannot be one of the reserved network subjects: [internal external]")},
		{"POST", peers("ovn1"), `{"name":"a b","target_network":"ovn9"}`, 500, fail("Name can only contain alphanumeric and hyphen characters")},
		{"POST", peers("ovn1"), `{"name":"p9","target_network":"ovn9","config":{"foo":"1"}}`, 500, fail(`Invalid option "foo"`)},
		{"POST", peers("ovn1"), `{"name":"p9","type":"x"}`, 500, fail(`Invalid network peer type "x"`)},
		{"GET", peers("ovn1") + "/nosuch", "", 404, "Network peer not found"},
		{"PUT", peers("ovn1") + "/nosuch", `{}`, 404, "Failed updating peer: Network peer not found"},
		{"DELETE", peers("ovn1") + "/nosuch", "", 404, "Failed deleting peer: Network peer not found"},
	})
	status := func(n, p, want, target string) {
		t.Helper()
		_, env := h.do("GET", peers(n)+"/"+p, "")
		var got api.NetworkPeer
		if err := json.Unmarshal(env.Metadata, &got); err != nil || got.Status != want || got.TargetNetwork != target {
			t.Errorf("peer %s/%s: %s, want status %s, target %q", n, p, env.Metadata, want, target)
		}
	}
	status("ovn1", "p1", "Pending", "ovn2")
	runWireSteps(t, h, []wireStep{{"POST", peers("ovn2"), `{"name":"back","target_network":"ovn1","target_project":"default"}`, 201, ""}})
	status("ovn1", "p1", "Created", "ovn2")
	status("ovn2", "back", "Created", "ovn1")
	// An ACL naming the peer (its rule's source "@network/peer") keeps it.
	runWireSteps(t, h, []wireStep{
		{"POST", "/1.0/network-acls", `{"name":"from-a","ingress":[{"action":"allow","state":"enabled","source":"@ovn2/back"}]}`, 201, ""},
		{"DELETE", peers("ovn2") + "/back", "", 500, "Failed deleting peer: Cannot delete a Peer that is in use"},
	})
	if _, env := h.do("GET", peers("ovn2")+"/back", ""); !strings.Contains(string(env.Metadata), `"used_by":["/1.0/network-acls/from-a"]`) {
		t.Errorf("peer back: %s", env.Metadata)
	}
	runWireSteps(t, h, []wireStep{
		{"DELETE", "/1.0/network-acls/from-a", "", 200, ""},
		{"DELETE", peers("ovn2") + "/back", "", 200, ""},
	})
	status("ovn1", "p1", "Errored", "")

	runWireSteps(t, h, []wireStep{
		{"POST", "/1.0/network-integrations", `{"name":"ic","type":"ovn"}`, 201, ""},
		{"POST", peers("ovn1"), `{"name":"r1","type":"remote","target_integration":"ic"}`, 201, ""},
		{"DELETE", "/1.0/network-integrations/ic", "", 500, "Network integration is currently in use"},
		{"POST", "/1.0/network-integrations/ic", `{"name":"ic2"}`, 200, ""},
	})
	_, env := h.do("GET", "/1.0/network-integrations/ic2", "")
	if !strings.Contains(string(env.Metadata), `"used_by":["/1.0/networks/ovn1/peers/r1"]`) {
		t.Errorf("integration ic2: %s", env.Metadata)
	}
	_, env = h.do("GET", peers("ovn1")+"/r1", "")
	if !strings.Contains(string(env.Metadata), `"target_integration":"ic2"`) || !strings.Contains(string(env.Metadata), `"status":"Created"`) {
		t.Errorf("remote peer r1: %s", env.Metadata)
	}
}

// An ACL rule may name a network peer ("@network/peer") where named
// subjects are allowed, whether or not the peer exists (checked on the
// real incusd too).
func TestIncusNetworkACLPeerSubjects(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			a := "rack-acl-" + randomHex()
			t.Cleanup(func() { h.do("DELETE", "/1.0/network-acls/"+a, "") })
			runWireSteps(t, h, []wireStep{
				{"POST", "/1.0/network-acls", `{"name":"` + a + `","ingress":[{"action":"allow","state":"enabled","source":"@rack-nonet/p1,198.18.0.0/15"}]}`, 201, ""},
				{"PUT", "/1.0/network-acls/" + a, `{"egress":[{"action":"allow","state":"enabled","destination":"@rack-nonet/p1"}]}`, 200, ""},
				{"PUT", "/1.0/network-acls/" + a, `{"egress":[{"action":"allow","state":"enabled","source":"@rack-nonet/p1"}]}`, 500, `Invalid egress rule 0: Invalid Source: Named subjects not allowed in "Source" for "egress" rules`},
			})
		})
	}
}

// A hidden extension's routes answer as an older incusd's router does, and
// a request to them changes nothing.
func TestHiddenExtensionRoutes(t *testing.T) {
	m, c := startFakeIncus(t, IncusOptions{})
	m.HideExtensions("network_integrations")
	err := c.CreateNetworkIntegration(api.NetworkIntegrationsPost{Name: "ni", Type: "ovn"})
	if err == nil || err.Error() != "not found" {
		t.Errorf("create while hidden: %v, want incusd's router's \"not found\"", err)
	}
	m.HideExtensions()
	if _, _, err := c.GetNetworkIntegration("ni"); err == nil || err.Error() != "Network_integration not found" { // incusd 6.0.4's text
		t.Errorf("after the hidden create: %v, want no integration", err)
	}
}

// OVN networks of a project with features.networks: a peer between two of
// them defaults its target project to theirs, and the pair links up.
func TestIncusNetworkPeerInProject(t *testing.T) {
	m, err := StartIncus(filepath.Join(t.TempDir(), "incus.sock"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	h := &rawIncus{t: t, socket: m.Socket()}
	runWireSteps(t, h, []wireStep{
		{"POST", "/1.0/projects", `{"name":"p","config":{"features.networks":"true"}}`, 201, ""},
		{"POST", "/1.0/networks?project=p", `{"name":"na","config":{"network":"mockbr0"}}`, 201, ""}, // OVN, the only type there
		{"POST", "/1.0/networks?project=p", `{"name":"nb","type":"ovn","config":{"network":"mockbr0"}}`, 201, ""},
		{"POST", "/1.0/networks/na/peers?project=p", `{"name":"to-b","target_network":"nb"}`, 201, ""},
		{"POST", "/1.0/networks/nb/peers?project=p", `{"name":"to-a","target_network":"na"}`, 201, ""},
		{"GET", "/1.0/networks/na/peers/to-b", "", 404, "Failed loading network: Network not found"}, // not in the default project
	})
	status, env := h.do("GET", "/1.0/networks/na/peers/to-b?project=p", "")
	if status != 200 || !strings.Contains(string(env.Metadata), `"status":"Created"`) || !strings.Contains(string(env.Metadata), `"target_project":"p"`) {
		t.Errorf("peer na/to-b: %d %s %s, want Created towards project p", status, env.Error, env.Metadata)
	}
}
