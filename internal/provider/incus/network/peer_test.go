package network_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/network"
	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

// noOVN is why the peer tests that need OVN networks skip the real daemon.
const noOVN = "network peers live on OVN networks, and the real incusd here has no OVN: checked on the mock only"

// makeOVN creates an OVN network out of band on the mock (its uplink the
// mock's bridge), removed at cleanup with its peers.
func makeOVN(t *testing.T, h *acctest.IncusHost) string {
	t.Helper()
	name := acctest.RandomName("ov")
	if err := h.Client.CreateNetwork(api.NetworksPost{Name: name, Type: "ovn", NetworkPut: api.NetworkPut{Config: map[string]string{"network": "mockbr0"}}}); err != nil {
		t.Fatalf("creating OVN network %s: %v", name, err)
	}
	t.Cleanup(func() {
		if names, err := h.Client.GetNetworkPeerNames(name); err == nil {
			for _, p := range names {
				_ = h.Client.DeleteNetworkPeer(name, p)
			}
		}
		_ = h.Client.DeleteNetwork(name)
	})
	return name
}

// makeBridge creates a bridge out of band (198.18.0.0/15, no NAT, no
// IPv6), removed at cleanup.
func makeBridge(t *testing.T, h *acctest.IncusHost) string {
	t.Helper()
	name := acctest.RandomName("pb")
	cfg := map[string]string{"ipv4.address": testnet.Subnet24(name) + ".1/24", "ipv4.nat": "false", "ipv6.address": "none"}
	if err := h.Client.CreateNetwork(api.NetworksPost{Name: name, Type: "bridge", NetworkPut: api.NetworkPut{Config: cfg}}); err != nil {
		t.Fatalf("creating bridge %s: %v", name, err)
	}
	t.Cleanup(func() { _ = h.Client.DeleteNetwork(name) })
	return name
}

func peerStatus(h *acctest.IncusHost, network, name, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p, _, err := h.Client.GetNetworkPeer(network, name)
		if err != nil {
			return err
		}
		if p.Status != want {
			return fmt.Errorf("peer %s/%s is %s, want %s", network, name, p.Status, want)
		}
		return nil
	}
}

func checkPeersGone(h *acctest.IncusHost, network string, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.GetNetworkPeer(network, n); err == nil {
				return fmt.Errorf("network peer %s/%s still exists", network, n)
			}
		}
		return nil
	}
}

func TestAccIncusNetworkPeer_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noOVN)
		}
		a, b, c := makeOVN(t, h), makeOVN(t, h), makeOVN(t, h)
		peer := func(res, net, name, target, desc string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_peer" %q {
  remote         = "test"
  network        = %q
  name           = %q
  target_network = %q
  description    = %q
  config         = { "user.owner" = "terraform" }
}
`, res, net, name, target, desc)
		}
		addr := "rack_incus_network_peer.test"
		v1 := h.ProviderConfig() + peer("test", a, "to-b", b, "first")
		v2 := v1 + peer("back", b, "to-a", a, "back")
		v3 := h.ProviderConfig() + peer("test", a, "to-b", b, "second") + peer("back", b, "to-a", a, "back") + `
data "rack_incus_network_peer" "test" {
  remote  = "test"
  network = rack_incus_network_peer.test.network
  name    = rack_incus_network_peer.test.name
}
`
		v4 := h.ProviderConfig() + peer("test", a, "to-c", c, "second") + peer("back", b, "to-a", a, "back")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             resource.ComposeTestCheckFunc(checkPeersGone(h, a, "to-b", "to-c"), checkPeersGone(h, b, "to-a")),
			Steps: []resource.TestStep{
				{ // one side: Pending
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(fmt.Sprintf("test:default/%s/to-b", a))),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("local")),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("target_project"), knownvalue.StringExact("default")),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("target_integration"), knownvalue.Null()),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Pending")),
					},
					Check: peerStatus(h, a, "to-b", "Pending"),
				},
				{ // the other side peers back: both Created
					Config: v2,
					Check:  resource.ComposeTestCheckFunc(peerStatus(h, a, "to-b", "Created"), peerStatus(h, b, "to-a", "Created")),
				},
				{ // description in place; the refresh shows Created
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("rack_incus_network_peer.back", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Created")),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
						statecheck.ExpectKnownValue("data.rack_incus_network_peer.test", tfjsonpath.New("target_network"), knownvalue.StringExact(b)),
						statecheck.ExpectKnownValue("data.rack_incus_network_peer.test", tfjsonpath.New("status"), knownvalue.StringExact("Created")),
						statecheck.ExpectKnownValue("data.rack_incus_network_peer.test", tfjsonpath.New("config").AtMapKey("user.owner"), knownvalue.StringExact("terraform")),
					},
				},
				{
					ResourceName:            addr,
					ImportState:             true,
					ImportStateId:           fmt.Sprintf("test:default/%s/to-b", a),
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					ResourceName:    addr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   fmt.Sprintf("test:default/%s/to-b", a),
					Config:          v3,
				},
				{ // changed out of band: put back
					PreConfig: func() {
						p, etag, err := h.Client.GetNetworkPeer(a, "to-b")
						if err != nil {
							t.Fatal(err)
						}
						put := p.Writable()
						put.Description = "changed"
						if err := h.Client.UpdateNetworkPeer(a, "to-b", put, etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
				},
				{ // another target and name: replaced; the peer left behind on b is Errored, its target kept in state
					Config: v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: resource.ComposeTestCheckFunc(checkPeersGone(h, a, "to-b"), peerStatus(h, a, "to-c", "Pending"), peerStatus(h, b, "to-a", "Errored")),
				},
				{
					Config:             v4,
					PlanOnly:           true,
					ExpectNonEmptyPlan: false,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("rack_incus_network_peer.back", tfjsonpath.New("status"), knownvalue.StringExact("Errored")),
						statecheck.ExpectKnownValue("rack_incus_network_peer.back", tfjsonpath.New("target_network"), knownvalue.StringExact(a)),
					},
				},
				{ // deleted out of band: created again
					PreConfig: func() { _ = h.Client.DeleteNetworkPeer(a, "to-c") },
					Config:    v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					}},
					Check: peerStatus(h, a, "to-c", "Pending"),
				},
			},
		})
	})
}

// A remote peer goes through an integration; the integration cannot be
// deleted while the peer uses it, and the error lists the peer.
func TestAccIncusNetworkPeer_remote(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noOVN)
		}
		a := makeOVN(t, h)
		ic := acctest.RandomName("ic")
		t.Cleanup(func() { forgetIntegrations(h, ic) })
		integration := fmt.Sprintf(`
resource "rack_incus_network_integration" "ic" {
  remote = "test"
  name   = %q
  type   = "ovn"
  config = { "ovn.northbound_connection" = "ssl:127.0.0.1:6645" }
}
`, ic)
		withPeer := h.ProviderConfig() + integration + fmt.Sprintf(`
resource "rack_incus_network_peer" "test" {
  remote             = "test"
  network            = %q
  name               = "remote"
  type               = "remote"
  target_integration = rack_incus_network_integration.ic.name
}
`, a)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config: withPeer,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("rack_incus_network_peer.test", tfjsonpath.New("status"), knownvalue.StringExact("Created")),
						statecheck.ExpectKnownValue("rack_incus_network_peer.test", tfjsonpath.New("target_project"), knownvalue.Null()),
						statecheck.ExpectKnownValue("rack_incus_network_peer.test", tfjsonpath.New("target_network"), knownvalue.Null()),
					},
				},
				{ // the peer kept out of Terraform: the integration's delete is refused and names it
					PreConfig: func() {
						if err := h.Client.CreateNetworkPeer(a, api.NetworkPeersPost{Name: "kept", Type: "remote", TargetIntegration: ic}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Delete Incus Network Integration.*is in use: it is still used by network peer "kept" of network %q, so incusd refused to delete it \(Network integration is currently in use\)`, a)),
				},
				{
					PreConfig: func() { _ = h.Client.DeleteNetworkPeer(a, "kept") },
					Config:    h.ProviderConfig(),
					Check:     checkIntegrationsGone(h, ic),
				},
			},
		})
	})
}

func TestAccIncusNetworkPeer_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		bridge := makeBridge(t, h)
		missing := acctest.RandomName("nn")
		peerNamed := func(network, name, body string) string {
			return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_peer" "test" {
  remote  = "test"
  network = %q
  name    = %q
%s
}
`, network, name, body)
		}
		peer := func(network, body string) string { return peerNamed(network, "p1", body) }
		steps := []resource.TestStep{
			{
				Config:      peer(bridge, `  target_integration = "x"`),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`A local network peer \(type "local", the default\) needs target_network.*target_integration is only for a remote network peer`),
			},
			{
				Config:      peer(bridge, "  type = \"remote\"\n  target_network = \"x\"\n  target_project = \"default\""),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`A remote network peer \(type "remote"\) needs target_integration`),
			},
			{
				Config:      peer(bridge, "  type = \"remote\"\n  target_integration = \"x\"\n  target_network = \"y\""),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`target_network is only for a local network peer`),
			},
			{
				Config:      peer(bridge, "  type = \"bgp\"\n  target_network = \"y\""),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`value must be one of: \["local" "remote"\]`),
			},
			{
				Config:      h.ProviderConfig() + fmt.Sprintf("resource \"rack_incus_network_peer\" \"test\" {\n  network = %q\n  name = \"internal\"\n  target_network = \"x\"\n}\n", bridge),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE("`internal` and `external` are reserved"),
			},
			{ // on a bridge: incusd refuses, and the diagnostic says peers need OVN
				Config:      peer(bridge, `  target_network = "x"`),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Peer.*Server message: Network driver "bridge" does not support peering.*Network %q is of type "bridge"; only OVN networks \(type "ovn"\) have peers`, bridge)),
			},
			{ // on a network that does not exist: the network is missing
				Config:      peer(missing, `  target_network = "x"`),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Peer.*Network %q \(project "default", remote "test"\) was not found.*The network does not exist`, missing)),
			},
		}
		if h.IsMock() {
			a := makeOVN(t, h)
			if err := h.Client.CreateNetworkPeer(a, api.NetworkPeersPost{Name: "p1", TargetNetwork: "elsewhere"}); err != nil {
				t.Fatal(err)
			}
			steps = append(steps,
				resource.TestStep{ // a taken name: the import ID
					Config:      peer(a, `  target_network = "other"`),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Peer.*import.*"test:default/%s/p1"`, a)),
				},
				resource.TestStep{ // a second peer to the same target: no import ID, the rule instead
					Config:      h.ProviderConfig() + fmt.Sprintf("resource \"rack_incus_network_peer\" \"test\" {\n  network = %q\n  name = \"p2\"\n  target_network = \"elsewhere\"\n}\n", a),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`A peer for that target network already exists.*Network %q already has a peer to network "elsewhere"`, a)),
				},
				resource.TestStep{ // a remote peer through an integration that does not exist
					Config:      peerNamed(a, "p3", "  type = \"remote\"\n  target_integration = \"rack-nosuchint\""),
					ExpectError: acctest.DiagRE(`Network integration "rack-nosuchint" \(remote "test"\) was not found.*Create the integration first`),
				},
				resource.TestStep{ // a config key incusd does not take
					Config:      peerNamed(a, "p3", "  target_network = \"other\"\n  config = { \"foo\" = \"1\" }"),
					ExpectError: acctest.DiagRE(`Server message: Failed creating peer: Invalid option "foo"`),
				},
			)
		}
		acctest.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories, Steps: steps})
	})
}

func TestPeerNameProblem(t *testing.T) {
	for name, bad := range map[string]bool{"to-b": false, "p1": false, "": true, "-a": true, "a-": true, "a b": true, "a.b": true, "123": true, "internal": true, "external": true} {
		if got := network.PeerNameProblem(name) != ""; got != bad {
			t.Errorf("PeerNameProblem(%q) = %q", name, network.PeerNameProblem(name))
		}
	}
}

// OVN networks made by Terraform too, peered both ways in one apply; the
// destroy removes the peers before the networks.
func TestAccIncusNetworkPeer_withNetworks(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noOVN)
		}
		a, b := acctest.RandomName("ov"), acctest.RandomName("ov")
		config := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network" "a" {
  name   = %[1]q
  type   = "ovn"
  config = { network = "mockbr0" }
}

resource "rack_incus_network" "b" {
  name   = %[2]q
  type   = "ovn"
  config = { network = "mockbr0" }
}

resource "rack_incus_network_peer" "ab" {
  network        = rack_incus_network.a.name
  name           = "to-b"
  target_network = rack_incus_network.b.name
}

resource "rack_incus_network_peer" "ba" {
  network        = rack_incus_network.b.name
  name           = "to-a"
  target_network = rack_incus_network.a.name
}
`, a, b)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				for _, n := range []string{a, b} {
					if _, _, err := h.Client.GetNetwork(n); err == nil {
						return fmt.Errorf("network %s still exists", n)
					}
				}
				return nil
			},
			Steps: []resource.TestStep{
				{Config: config, Check: resource.ComposeTestCheckFunc(peerStatus(h, a, "to-b", "Created"), peerStatus(h, b, "to-a", "Created"))},
				{Config: config, PlanOnly: true},
			},
		})
	})
}

// A peer that an ACL rule names ("@network/peer") is not deleted: the
// error lists the ACL, and the peer stays in state.
func TestAccIncusNetworkPeer_inUse(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noOVN)
		}
		a := makeOVN(t, h)
		acl := acctest.RandomName("acl")
		t.Cleanup(func() { forgetACLs(h, "default", acl) })
		config := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_peer" "test" {
  network        = %q
  name           = "p1"
  target_network = "elsewhere"
}
`, a)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: config},
				{
					PreConfig: func() {
						rule := api.NetworkACLRule{Action: "allow", State: "enabled", Source: "@" + a + "/p1"}
						if err := h.Client.CreateNetworkACL(api.NetworkACLsPost{NetworkACLPost: api.NetworkACLPost{Name: acl}, NetworkACLPut: api.NetworkACLPut{Ingress: []api.NetworkACLRule{rule}}}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Delete Incus Network Peer.*is in use: it is still used by network ACL %q, so incusd refused to delete it \(Failed deleting peer: Cannot delete a Peer that is in use\)`, acl)),
				},
				{
					Config:             config,
					PlanOnly:           true,
					ExpectNonEmptyPlan: false,
				},
				{
					PreConfig: func() { forgetACLs(h, "default", acl) },
					Config:    h.ProviderConfig(),
					Check:     checkPeersGone(h, a, "p1"),
				},
			},
		})
	})
}
