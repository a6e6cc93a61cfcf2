package network_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

const zoneAddr = "rack_incus_network_zone.test"

// zoneName is a fresh zone name: zone names are server-wide, so each test
// takes its own.
func zoneName() string { return acctest.RandomName("tz") + ".example.net" }

func zoneConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_zone" "test" {
  remote = "test"
%s
}
`, body)
}

// forgetZones deletes zones (their records go with them), in any project.
func forgetZones(h *acctest.IncusHost, names ...string) {
	zones, _ := h.Client.GetNetworkZonesAllProjects()
	for _, n := range names {
		project := "default"
		for _, z := range zones {
			if z.Name == n && z.Project != "" {
				project = z.Project
			}
		}
		_ = h.Client.UseProject(project).DeleteNetworkZone(n)
	}
}

func zonesGone(h *acctest.IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		zones, err := h.Client.GetNetworkZonesAllProjects()
		if err != nil {
			return err
		}
		for _, z := range zones {
			for _, n := range names {
				if z.Name == n {
					return fmt.Errorf("network zone %s (project %s) still exists after destroy", n, z.Project)
				}
			}
		}
		return nil
	}
}

func checkZone(h *acctest.IncusHost, name string, check func(z *api.NetworkZone) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		z, _, err := h.Client.GetNetworkZone(name)
		if err != nil {
			return err
		}
		if !check(z) {
			return fmt.Errorf("network zone %s on the host: %+v", name, z)
		}
		return nil
	}
}

func setZoneConfig(t *testing.T, h *acctest.IncusHost, name, key, value string) {
	t.Helper()
	z, etag, err := h.Client.GetNetworkZone(name)
	if err != nil {
		t.Fatalf("reading network zone %s: %v", name, err)
	}
	put := z.Writable()
	put.Config[key] = value
	if err := h.Client.UpdateNetworkZone(name, put, etag); err != nil {
		t.Fatalf("setting %s on network zone %s out of band: %v", key, name, err)
	}
}

// zonesProject creates a project with its own network zones, removed at cleanup.
func zonesProject(t *testing.T, h *acctest.IncusHost) string {
	t.Helper()
	name := acctest.RandomName("zp")
	if err := h.Client.CreateProject(api.ProjectsPost{Name: name, ProjectPut: api.ProjectPut{Config: map[string]string{
		"features.networks": "true", "features.networks.zones": "true",
	}}}); err != nil {
		t.Fatalf("creating project %s: %v", name, err)
	}
	t.Cleanup(func() {
		if names, err := h.Client.UseProject(name).GetNetworkZoneNames(); err == nil {
			for _, n := range names {
				_ = h.Client.UseProject(name).DeleteNetworkZone(n)
			}
		}
		_ = h.Client.DeleteProject(name)
	})
	return name
}

func TestAccIncusNetworkZone_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, other := zoneName(), zoneName()
		project := zonesProject(t, h)
		t.Cleanup(func() { forgetZones(h, name, other) })
		body := func(n, project, desc, ns string) string {
			return fmt.Sprintf(`
  name        = %q
  project     = %q
  description = %q
  config      = { "dns.nameservers" = %q, "network.nat" = "false", "user.owner" = "terraform" }
`, n, project, desc, ns)
		}
		v1 := zoneConfig(h, body(name, "default", "first", "ns1.example.net"))
		v2 := zoneConfig(h, body(name, "default", "second", "ns1.example.net,ns2.example.net"))
		v3 := zoneConfig(h, body(other, "default", "second", "ns2.example.net")) + `
data "rack_incus_network_zone" "test" {
  remote = "test"
  name   = rack_incus_network_zone.test.name
}
`
		v4 := zoneConfig(h, body(other, project, "second", "ns2.example.net"))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, name, other),
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
						statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
						statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("used_by"), knownvalue.ListSizeExact(0)),
					},
					Check: checkZone(h, name, func(z *api.NetworkZone) bool {
						return z.Description == "first" && z.Config["dns.nameservers"] == "ns1.example.net" && z.Config["network.nat"] == "false"
					}),
				},
				{ // update in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkZone(h, name, func(z *api.NetworkZone) bool {
						return z.Description == "second" && z.Config["dns.nameservers"] == "ns1.example.net,ns2.example.net"
					}),
				},
				{
					ResourceName:            zoneAddr,
					ImportState:             true,
					ImportStateId:           "test:default/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					ResourceName:    zoneAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   name, // remote and project default
					Config:          v2,
				},
				{ // Incus cannot rename a zone: a new name replaces it
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+other)),
						statecheck.ExpectKnownValue("data.rack_incus_network_zone.test", tfjsonpath.New("config").AtMapKey("dns.nameservers"), knownvalue.StringExact("ns2.example.net")),
						statecheck.ExpectKnownValue("data.rack_incus_network_zone.test", tfjsonpath.New("description"), knownvalue.StringExact("second")),
						statecheck.ExpectKnownValue("data.rack_incus_network_zone.test", tfjsonpath.New("project"), knownvalue.StringExact("default")),
						statecheck.ExpectKnownValue("data.rack_incus_network_zone.test", tfjsonpath.New("used_by"), knownvalue.ListSizeExact(0)),
					},
					Check: zonesGone(h, name),
				},
				{ // another project: replaced, and the zone lives there
					Config: v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(zoneAddr, tfjsonpath.New("id"), knownvalue.StringExact(fmt.Sprintf("test:%s/%s", project, other))),
					},
					Check: func(*terraform.State) error {
						if _, _, err := h.Client.GetNetworkZone(other); err == nil {
							return fmt.Errorf("zone %s is still in the default project", other)
						}
						_, _, err := h.Client.UseProject(project).GetNetworkZone(other)
						return err
					},
				},
				{Config: v4, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			},
		})
	})
}

func TestAccIncusNetworkZone_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := zoneName()
		t.Cleanup(func() { forgetZones(h, name) })
		cfg := zoneConfig(h, fmt.Sprintf(`
  name   = %q
  config = { "user.owner" = "terraform" }
`, name))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{ // changed and added out of band: drift, put back
					PreConfig: func() {
						setZoneConfig(t, h, name, "user.owner", "someone-else")
						setZoneConfig(t, h, name, "network.nat", "false")
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkZone(h, name, func(z *api.NetworkZone) bool {
						return z.Config["user.owner"] == "terraform" && z.Config["network.nat"] == ""
					}),
				},
				{ // deleted out of band: created again
					PreConfig: func() {
						if err := h.Client.DeleteNetworkZone(name); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(zoneAddr, plancheck.ResourceActionCreate),
					}},
					Check: checkZone(h, name, func(z *api.NetworkZone) bool { return z.Config["user.owner"] == "terraform" }),
				},
			},
		})
	})
}

func TestAccIncusNetworkZone_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, taken := zoneName(), zoneName()
		project := zonesProject(t, h)
		t.Cleanup(func() { forgetZones(h, name, taken) })
		withConfig := func(n, config string) string {
			return zoneConfig(h, fmt.Sprintf("  name = %q\n  config = %s", n, config))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, name),
			Steps: []resource.TestStep{
				{ // names are checked at plan time
					Config:      zoneConfig(h, `  name = "lab.example.net."`),
					ExpectError: acctest.DiagRE(`Invalid Incus Network Zone Name.*must not end with "\."`),
				},
				{
					Config:      zoneConfig(h, `  name = "a/b.example.net"`),
					ExpectError: acctest.DiagRE(`Invalid Incus Network Zone Name.*can only contain letters`),
				},
				{ // the server's words, verbatim
					Config:      withConfig(name, `{ "dns.bogus" = "1" }`),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Network Zone.*Invalid config option "dns.bogus"`),
				},
				{
					Config:      withConfig(name, `{ "network.nat" = "maybe" }`),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Network Zone.*Invalid value for config option "network.nat": Invalid value for a boolean "maybe"`),
				},
				{ // an update the server refuses leaves the zone as it was
					Config: withConfig(name, `{ "dns.nameservers" = "ns1.example.net" }`),
				},
				{
					Config:      withConfig(name, `{ "dns.nameservers" = "ns1.example.net", "peers.ns2.address" = "not-an-ip" }`),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network Zone.*Invalid value for config option "peers.ns2.address": Not an IP address "not-an-ip"`),
				},
				{
					Config: withConfig(name, `{ "dns.nameservers" = "ns1.example.net" }`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // a name another project's zone has (names are server-wide)
					// names the import ID of that zone, in its project
					PreConfig: func() {
						if err := h.Client.UseProject(project).CreateNetworkZone(api.NetworkZonesPost{Name: taken}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      withConfig(taken, `{}`),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Zone.*already exists.*import.*"test:%s/%s".*The network zone already exists`, project, taken)),
				},
			},
		})
	})
}

// A zone a network names cannot be deleted: the diagnostic says so (and on
// the real daemon names the network), and the zone stays in state. The
// fake's networks have no dns.zone.* keys, so there the refusal is incusd's
// answer injected.
func TestAccIncusNetworkZone_inUse(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, bridge := zoneName(), acctest.RandomName("zbr")
		bridge = bridge[:min(len(bridge), 15)] // an interface name
		t.Cleanup(func() { _ = h.Client.DeleteNetwork(bridge); forgetZones(h, name) })
		cfg := zoneConfig(h, fmt.Sprintf("  name = %q", name))
		want := `Unable to Delete Incus Network Zone.*incusd refused to delete it because it is still in use \(Cannot delete a zone that is in use\)`
		if !h.IsMock() {
			want = fmt.Sprintf(`Unable to Delete Incus Network Zone.*it is still used by network %q.*Cannot delete a zone that is in use`, bridge)
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() {
						if h.IsMock() {
							h.Mock.InjectFault(mockhost.Fault{Method: http.MethodDelete, PathPrefix: "/1.0/network-zones/" + name, Times: 1,
								Status: http.StatusInternalServerError, Message: "Cannot delete a zone that is in use"})
							return
						}
						// Test addresses from 198.18.0.0/15, NAT off (docs DESIGN.md).
						if err := h.Client.CreateNetwork(api.NetworksPost{Name: bridge, Type: "bridge", NetworkPut: api.NetworkPut{Config: map[string]string{
							"ipv4.address": testnet.Subnet24(bridge) + ".1/24", "ipv4.nat": "false", "ipv6.address": "none", "dns.zone.forward": name,
						}}}); err != nil {
							t.Fatalf("creating network %s: %v", bridge, err)
						}
					},
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(want),
				},
				{ // still in state: nothing to change with the config back
					PreConfig: func() {
						if !h.IsMock() {
							if err := h.Client.DeleteNetwork(bridge); err != nil {
								t.Fatal(err)
							}
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
			},
		})
	})
}

// An update sends the ETag of the refresh: a change made outside Terraform
// between the refresh and the write is a Conflict, never overwritten.
func TestAccIncusNetworkZone_etagConflict(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("the change must land between refresh and write: only the mock host can time it")
		}
		name := zoneName()
		cfg := func(desc string) string {
			return zoneConfig(h, fmt.Sprintf("  name = %q\n  description = %q", name, desc))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             zonesGone(h, name),
			Steps: []resource.TestStep{
				{Config: cfg("one")},
				{
					PreConfig: func() {
						h.Mock.InjectFault(mockhost.Fault{Method: http.MethodPut, PathPrefix: "/1.0/network-zones/" + name, Times: 1,
							Hook: func() { setZoneConfig(t, h, name, "user.sneaky", "yes") }})
					},
					Config:      cfg("two"),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network Zone.*changed outside Terraform since it was read; run apply again`),
				},
				{
					Config: cfg("two"),
					Check: checkZone(h, name, func(z *api.NetworkZone) bool {
						return z.Description == "two" && z.Config["user.sneaky"] == ""
					}),
				},
			},
		})
	})
}
