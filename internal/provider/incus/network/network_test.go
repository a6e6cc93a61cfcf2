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
	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

const netAddr = "rack_incus_network.test"

// subnet is a test bridge address for name (and a variant), from
// 198.18.0.0/15: NAT off, no traffic ever sent. Two bridges on one subnet
// collide on a real host (dnsmasq cannot listen), so each is one no other
// test process holds (internal/testnet).
func subnet(name string, variant int) string {
	return testnet.Subnet24(fmt.Sprintf("%s/%d", name, variant)) + ".1/24"
}

func netConfig(h *acctest.IncusHost, name, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network" "test" {
  remote = "test"
  name   = %q
%s
}
`, name, body)
}

// bridge is the body of a test bridge on subnet v of the network called
// subnetOf, with extra config lines.
func bridge(subnetOf string, v int, description, extra string) string {
	return fmt.Sprintf(`
  description = %q
  config = {
    "ipv4.address" = %q
    "ipv4.nat"     = "false"
    "ipv6.address" = "none"
%s
  }
`, description, subnet(subnetOf, v), extra)
}

func networksGone(h *acctest.IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.GetNetwork(n); err == nil {
				return fmt.Errorf("network %s still exists after destroy", n)
			}
		}
		return nil
	}
}

func forgetNetwork(h *acctest.IncusHost, name string) { _ = h.Client.DeleteNetwork(name) }

func TestAccIncusNetwork_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed := acctest.RandomName("tfn"), acctest.RandomName("tfn")
		t.Cleanup(func() { forgetNetwork(h, name); forgetNetwork(h, renamed) })
		v1 := netConfig(h, name, bridge(name, 1, "first", `    "user.owner" = "terraform"`))
		v2 := netConfig(h, name, bridge(name, 2, "second", `    "user.owner" = "terraform"
    "ipv4.dhcp"  = "false"`))
		v3 := netConfig(h, renamed, bridge(name, 2, "second", `    "user.owner" = "terraform"
    "ipv4.dhcp"  = "false"`))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             networksGone(h, name, renamed),
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("type"), knownvalue.StringExact("bridge")),
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("managed"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("used_by"), knownvalue.ListSizeExact(0)),
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{
							"ipv4.address": knownvalue.StringExact(subnet(name, 1)), "ipv4.nat": knownvalue.StringExact("false"),
							"ipv6.address": knownvalue.StringExact("none"), "user.owner": knownvalue.StringExact("terraform"),
						})),
					},
				},
				{Config: v1, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // update in place: a new subnet, a key added, the description
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(netAddr, plancheck.ResourceActionUpdate),
					}},
					Check: func(*terraform.State) error {
						n, _, err := h.Client.GetNetwork(name)
						if err != nil {
							return err
						}
						if n.Description != "second" || n.Config["ipv4.address"] != subnet(name, 2) || n.Config["ipv4.dhcp"] != "false" {
							return fmt.Errorf("not updated: %q %v", n.Description, n.Config)
						}
						return nil
					},
				},
				{ResourceName: netAddr, ImportState: true, ImportStateId: "test:default/" + name, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
				{ResourceName: netAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: "test:" + name, Config: v2},
				{ // a key changed and one added out of band: drift, put back
					PreConfig: func() {
						n, etag, err := h.Client.GetNetwork(name)
						if err != nil {
							t.Fatal(err)
						}
						n.Config["user.owner"] = "someone-else"
						n.Config["user.extra"] = "x"
						if err := h.Client.UpdateNetwork(name, n.Writable(), etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(netAddr, plancheck.ResourceActionUpdate),
					}},
					Check: func(*terraform.State) error {
						n, _, err := h.Client.GetNetwork(name)
						if err != nil {
							return err
						}
						if n.Config["user.owner"] != "terraform" || n.Config["user.extra"] != "" {
							return fmt.Errorf("drift not put back: %v", n.Config)
						}
						return nil
					},
				},
				{ // rename in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(netAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+renamed)),
					},
					Check: func(*terraform.State) error {
						if _, _, err := h.Client.GetNetwork(name); err == nil {
							return fmt.Errorf("%s still exists after the rename", name)
						}
						_, _, err := h.Client.GetNetwork(renamed)
						return err
					},
				},
				{Config: v3, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // deleted out of band: planned again
					PreConfig: func() {
						if err := h.Client.DeleteNetwork(renamed); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(netAddr, plancheck.ResourceActionCreate),
					}},
				},
				{ // a new type replaces it (a macvlan network on lo: no interface is made until a NIC uses it)
					Config: netConfig(h, renamed, `
  type   = "macvlan"
  config = { parent = "lo" }
`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(netAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("type"), knownvalue.StringExact("macvlan")),
					},
				},
			},
		})
	})
}

// createInstanceOn makes, out of band, a stopped instance with a NIC on network.
func createInstanceOn(t *testing.T, h *acctest.IncusHost, name, network string) {
	t.Helper()
	op, err := h.Client.CreateInstance(api.InstancesPost{Name: name, Source: api.InstanceSource{Type: "image", Alias: h.Image},
		InstancePut: api.InstancePut{Devices: map[string]map[string]string{"eth0": {"type": "nic", "network": network, "name": "eth0"}}}})
	if err == nil {
		err = op.Wait()
	}
	if err != nil {
		t.Fatalf("creating %s out of band: %v", name, err)
	}
}

func TestAccIncusNetwork_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, other := acctest.RandomName("tfn"), acctest.RandomName("tfn")
		inst := acctest.RandomName("inst")
		t.Cleanup(func() { h.ForgetInstance(inst); forgetNetwork(h, name); forgetNetwork(h, other) })
		ok := netConfig(h, name, bridge(name, 1, "", ""))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             networksGone(h, name, other),
			Steps: []resource.TestStep{
				{ // incusd's name rules, at plan time
					Config:      netConfig(h, "a:b", bridge(name, 1, "", "")),
					ExpectError: acctest.DiagRE(`may contain only letters, digits`),
				},
				{
					Config:      netConfig(h, "a-much-too-long-name", bridge(name, 1, "", "")),
					ExpectError: acctest.DiagRE(`at most 15 characters`),
				},
				{
					Config:      netConfig(h, name, `type = "vxlan"`),
					ExpectError: acctest.DiagRE(`type.* value must be one of`),
				},
				{ // target on a standalone server
					Config:      netConfig(h, name, `target = "node9"`),
					ExpectError: acctest.DiagRE(`[Cc]luster member "node9" \(remote "test"\).*standalone Incus server has none`),
				},
				{ // with a target, incusd takes only member-specific keys (checked before the member,
					// in map order: which of the keys it names first varies)
					Config:      netConfig(h, name, bridge(name, 1, "", "")+`  target = "node9"`),
					ExpectError: acctest.DiagRE(`Config key "ipv[46]\.(address|nat)" may not be used as member-specific key`),
				},
				{ // incusd's own refusal, verbatim
					Config:      netConfig(h, name, `config = { "ipv4.address" = "bogus", "ipv6.address" = "none" }`),
					ExpectError: acctest.DiagRE(`Invalid value for network "` + name + `" option "ipv4.address": invalid CIDR address: bogus`),
				},
				{ // a taken name names the import ID
					PreConfig: func() {
						req := api.NetworksPost{Name: name, Type: "bridge", NetworkPut: api.NetworkPut{Config: map[string]string{
							"ipv4.address": subnet(name, 9), "ipv4.nat": "false", "ipv6.address": "none"}}}
						if err := h.Client.CreateNetwork(req); err != nil {
							t.Fatal(err)
						}
					},
					Config:      ok,
					ExpectError: acctest.DiagRE(`terraform import.*"test:default/` + name + `"`),
				},
				{
					PreConfig: func() { forgetNetwork(h, name) },
					Config:    ok,
				},
				{ // an update incusd refuses: its text verbatim, state unchanged
					Config:      netConfig(h, name, `config = { "ipv4.address" = "198.18.0.1/33", "ipv4.nat" = "false", "ipv6.address" = "none" }`),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network.*Invalid value for network "` + name + `" option "ipv4.address": invalid CIDR address: 198.18.0.1/33`),
				},
				{Config: ok, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // in use by an instance's NIC: the rename is refused and names it
					PreConfig: func() { createInstanceOn(t, h, inst, name) },
					Config:    netConfig(h, other, bridge(name, 1, "", "")),
					ExpectError: acctest.DiagRE(`Unable to Rename Incus Network.*used by instance "` + inst +
						`".*incusd refuses to rename a network in use`),
				},
				{ // used_by lists it on refresh
					Config: ok,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("used_by"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/1.0/instances/" + inst)})),
					},
				},
				{ // and the delete is refused, lists it, and the network stays in state
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(`Unable to Delete Incus Network.*still used by instance "` + inst + `"`),
				},
				{
					PreConfig: func() { h.ForgetInstance(inst) },
					Config:    h.ProviderConfig(),
				},
			},
		})
	})
}

// TestAccIncusNetwork_auto: addresses Incus picks. The real test daemon
// has no free private subnet to pick from ("Failed to automatically find
// an unused IPv4 subnet"), so the mock only.
func TestAccIncusNetwork_auto(t *testing.T) {
	h := acctest.StartMockHost(t)
	name := acctest.RandomName("tfn")
	auto := netConfig(h, name, `
  config = { "ipv4.address" = "auto", "ipv6.address" = "none" }
`)
	autoDescribed := netConfig(h, name, `
  description = "x"
  config      = { "ipv4.address" = "auto", "ipv6.address" = "none" }
`)
	omitted := netConfig(h, name, `description = "y"`)
	var picked string
	address := func(want *string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			n, _, err := h.Client.GetNetwork(name)
			if err != nil {
				return err
			}
			got := n.Config["ipv4.address"]
			if got == "" || got == "auto" || got == "none" {
				return fmt.Errorf("no address picked: %v", n.Config)
			}
			if *want == "" {
				*want = got
			} else if got != *want {
				return fmt.Errorf("address changed from %s to %s", *want, got)
			}
			return nil
		}
	}
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             networksGone(h, name),
		Steps: []resource.TestStep{
			{ // auto stays auto in state; NAT, filled in, is not shown
				Config: auto,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{
						"ipv4.address": knownvalue.StringExact("auto"), "ipv6.address": knownvalue.StringExact("none"),
					})),
				},
				Check: address(&picked),
			},
			{Config: auto, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // an update keeps the picked subnet (auto is not sent again)
				Config: autoDescribed,
				Check:  address(&picked),
			},
			{ // the address removed out of band: drift, and auto picks one again
				PreConfig: func() {
					n, etag, err := h.Client.GetNetwork(name)
					if err != nil {
						t.Fatal(err)
					}
					n.Config["ipv4.address"] = "none"
					if err := h.Client.UpdateNetwork(name, n.Writable(), etag); err != nil {
						t.Fatal(err)
					}
				},
				Config: autoDescribed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(netAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error { picked = ""; return address(&picked)(s) },
			},
			{ // left out of the configuration: Incus's to keep, not drift, not dropped by an update
				Config: omitted,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("config"), knownvalue.Null()),
				},
				Check: address(&picked),
			},
			{Config: omitted, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ // a bridge created with no config: both families picked, nothing in state
				Config: netConfig(h, name+"b", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(netAddr, tfjsonpath.New("config"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					n, _, err := h.Client.GetNetwork(name + "b")
					if err != nil {
						return err
					}
					if n.Config["ipv6.address"] == "" || n.Config["ipv4.nat"] != "true" {
						return fmt.Errorf("not filled in: %v", n.Config)
					}
					return nil
				},
			},
			{Config: netConfig(h, name+"b", ""), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

func TestAccIncusNetwork_dataSource(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("tfn")
		t.Cleanup(func() { forgetNetwork(h, name) })
		cfg := netConfig(h, name, bridge(name, 1, "read me", "")) + `
data "rack_incus_network" "test" {
  remote = "test"
  name   = rack_incus_network.test.name
}
`
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             networksGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.rack_incus_network.test", tfjsonpath.New("description"), knownvalue.StringExact("read me")),
						statecheck.ExpectKnownValue("data.rack_incus_network.test", tfjsonpath.New("type"), knownvalue.StringExact("bridge")),
						statecheck.ExpectKnownValue("data.rack_incus_network.test", tfjsonpath.New("config").AtMapKey("ipv4.address"), knownvalue.StringExact(subnet(name, 1))),
					},
				},
				{ // a missing network is an error
					Config: h.ProviderConfig() + `
data "rack_incus_network" "missing" {
  remote = "test"
  name   = "tfn-missing0"
}
`,
					ExpectError: acctest.DiagRE(`Unable to Read Incus Network.*not found`),
				},
			},
		})
	})
}

// A bridge that names an ACL (security.acls) and a zone (dns.zone.forward)
// holds them: their deletes are refused naming the bridge, they stay in
// state, and they go once the bridge lets them go.
func TestAccIncusNetwork_namesACLAndZone(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		acl, zone, br := acctest.RandomName("acl"), acctest.RandomName("z")+".example.net", acctest.RandomName("tfn")
		t.Cleanup(func() {
			forgetNetwork(h, br)
			_ = h.Client.DeleteNetworkACL(acl)
			_ = h.Client.DeleteNetworkZone(zone)
		})
		cfg := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_acl" "held" {
  remote = "test"
  name   = %q
}
resource "rack_incus_network_zone" "held" {
  remote = "test"
  name   = %q
}
`, acl, zone)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() {
						err := h.Client.CreateNetwork(api.NetworksPost{Name: br, Type: "bridge", NetworkPut: api.NetworkPut{Config: map[string]string{
							"ipv4.address": subnet(br, 1), "ipv4.nat": "false", "ipv6.address": "none",
							"security.acls": acl, "dns.zone.forward": zone,
						}}})
						if err != nil {
							t.Fatal(err)
						}
					},
					Config: h.ProviderConfig(),
					// Both refused, in either order (Terraform deletes them at once).
					ExpectError: acctest.DiagRE(fmt.Sprintf(`(Network ACL %[1]q .*is in use: it is still used by network %[3]q.*Network zone %[2]q .*is in use: it is still used by network %[3]q|`+
						`Network zone %[2]q .*is in use: it is still used by network %[3]q.*Network ACL %[1]q .*is in use: it is still used by network %[3]q)`, acl, zone, br)),
				},
				{ // both still in state: nothing to do with the config back
					Config:           cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
				{
					PreConfig: func() { forgetNetwork(h, br) },
					Config:    h.ProviderConfig(),
				},
			},
		})
	})
}
