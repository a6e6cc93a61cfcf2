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
	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

const aclAddr = "rack_incus_network_acl.test"

func aclConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_acl" "test" {
  remote = "test"
%s
}
`, body)
}

func aclsIn(h *acctest.IncusHost, project string) incusclient.InstanceServer {
	return h.Client.UseProject(project)
}

func forgetACLs(h *acctest.IncusHost, project string, names ...string) {
	for _, n := range names {
		_ = aclsIn(h, project).DeleteNetworkACL(n)
	}
}

func checkACLsGone(h *acctest.IncusHost, project string, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := aclsIn(h, project).GetNetworkACL(n); err == nil {
				return fmt.Errorf("network ACL %s (project %s) still exists after destroy", n, project)
			}
		}
		return nil
	}
}

func checkACL(h *acctest.IncusHost, project, name string, check func(a *api.NetworkACL) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		a, _, err := aclsIn(h, project).GetNetworkACL(name)
		if err != nil {
			return err
		}
		if !check(a) {
			return fmt.Errorf("network ACL %s on the host: %+v", name, a)
		}
		return nil
	}
}

// changeACL changes an ACL out of band.
func changeACL(t *testing.T, h *acctest.IncusHost, name string, change func(put *api.NetworkACLPut)) {
	t.Helper()
	a, etag, err := h.Client.GetNetworkACL(name)
	if err != nil {
		t.Fatalf("reading network ACL %s: %v", name, err)
	}
	put := a.Writable()
	change(&put)
	if err := h.Client.UpdateNetworkACL(name, put, etag); err != nil {
		t.Fatalf("changing network ACL %s out of band: %v", name, err)
	}
}

// makeNetworksProject creates a project with its own networks (and so
// ACLs) out of band, removed at cleanup.
func makeNetworksProject(t *testing.T, h *acctest.IncusHost) string {
	t.Helper()
	name := acctest.RandomName("np")
	if err := h.Client.CreateProject(api.ProjectsPost{Name: name, ProjectPut: api.ProjectPut{Config: map[string]string{"features.networks": "true"}}}); err != nil {
		t.Fatalf("creating project %s: %v", name, err)
	}
	t.Cleanup(func() {
		if names, err := aclsIn(h, name).GetNetworkACLNames(); err == nil {
			forgetACLs(h, name, names...)
		}
		_ = h.Client.DeleteProject(name)
	})
	return name
}

func rule(fields ...string) map[string]knownvalue.Check {
	out := map[string]knownvalue.Check{}
	for _, f := range []string{"action", "source", "destination", "protocol", "source_port", "destination_port", "icmp_type", "icmp_code", "state", "description"} {
		out[f] = knownvalue.Null()
	}
	for i := 0; i < len(fields); i += 2 {
		out[fields[i]] = knownvalue.StringExact(fields[i+1])
	}
	return out
}

func TestAccIncusNetworkACL_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed := acctest.RandomName("acl"), acctest.RandomName("acl")
		project := makeNetworksProject(t, h)
		t.Cleanup(func() { forgetACLs(h, "default", name, renamed) })
		v1body := func(n, project string) string {
			return fmt.Sprintf(`
  name        = %q
  project     = %q
  description = "first"
  config      = { "user.owner" = "terraform" }
  ingress = [
    { action = "allow", source = "198.18.0.0/15", protocol = "tcp", destination_port = "22,80", description = "ssh and web" },
    { action = "drop", protocol = "icmp4", icmp_type = "8", icmp_code = "0", state = "logged" },
  ]
  egress = [
    { action = "reject", destination = "198.18.1.1-198.18.1.9" },
  ]
`, n, project)
		}
		v2body := func(n string) string {
			return fmt.Sprintf(`
  name        = %q
  description = "second"
  config      = { "user.owner" = "terraform" }
  ingress = [
    { action = "allow", source = "198.18.0.0/16", protocol = "udp", destination_port = "53" },
    { action = "drop", protocol = "icmp4", icmp_type = "8", icmp_code = "0", state = "disabled" },
    { action = "allow-stateless", source = "@internal" },
  ]
`, n)
		}
		v1 := aclConfig(h, v1body(name, "default"))
		v2 := aclConfig(h, v2body(name))
		v3 := aclConfig(h, v2body(renamed)) + `
data "rack_incus_network_acl" "test" {
  remote = "test"
  name   = rack_incus_network_acl.test.name
}
`
		v4 := aclConfig(h, v2body(renamed)+fmt.Sprintf("  project = %q\n", project))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(s *terraform.State) error {
				if err := checkACLsGone(h, "default", name, renamed)(s); err != nil {
					return err
				}
				return checkACLsGone(h, project, renamed)(s)
			},
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(aclAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
						statecheck.ExpectKnownValue(aclAddr, tfjsonpath.New("ingress"), knownvalue.ListExact([]knownvalue.Check{
							knownvalue.ObjectExact(rule("action", "allow", "source", "198.18.0.0/15", "protocol", "tcp", "destination_port", "22,80", "state", "enabled", "description", "ssh and web")),
							knownvalue.ObjectExact(rule("action", "drop", "protocol", "icmp4", "icmp_type", "8", "icmp_code", "0", "state", "logged")),
						})),
						statecheck.ExpectKnownValue(aclAddr, tfjsonpath.New("egress"), knownvalue.ListExact([]knownvalue.Check{
							knownvalue.ObjectExact(rule("action", "reject", "destination", "198.18.1.1-198.18.1.9", "state", "enabled")),
						})),
					},
					Check: checkACL(h, "default", name, func(a *api.NetworkACL) bool {
						return a.Description == "first" && a.Config["user.owner"] == "terraform" &&
							len(a.Ingress) == 2 && a.Ingress[0].DestinationPort == "22,80" && a.Ingress[0].State == "enabled" &&
							a.Ingress[1].State == "logged" && len(a.Egress) == 1 && a.Egress[0].Action == "reject"
					}),
				},
				{ // rules changed, added and removed in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(aclAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(aclAddr, tfjsonpath.New("egress"), knownvalue.Null()),
					},
					Check: checkACL(h, "default", name, func(a *api.NetworkACL) bool {
						return a.Description == "second" && len(a.Ingress) == 3 && a.Ingress[0].Protocol == "udp" &&
							a.Ingress[1].State == "disabled" && a.Ingress[2].Source == "@internal" && len(a.Egress) == 0
					}),
				},
				{
					ResourceName:            aclAddr,
					ImportState:             true,
					ImportStateId:           "test:default/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					ResourceName:    aclAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   "test:default/" + name,
					Config:          v2,
				},
				{ // rename in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(aclAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(aclAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+renamed)),
						statecheck.ExpectKnownValue("data.rack_incus_network_acl.test", tfjsonpath.New("ingress").AtSliceIndex(2).AtMapKey("source"), knownvalue.StringExact("@internal")),
						statecheck.ExpectKnownValue("data.rack_incus_network_acl.test", tfjsonpath.New("ingress").AtSliceIndex(1).AtMapKey("state"), knownvalue.StringExact("disabled")),
					},
					Check: checkACLsGone(h, "default", name),
				},
				{ // another project: replaced
					Config: v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(aclAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(aclAddr, tfjsonpath.New("id"), knownvalue.StringExact(fmt.Sprintf("test:%s/%s", project, renamed))),
					},
					Check: func(s *terraform.State) error {
						if err := checkACLsGone(h, "default", renamed)(s); err != nil {
							return err
						}
						return checkACL(h, project, renamed, func(a *api.NetworkACL) bool { return a.Description == "second" && len(a.Ingress) == 3 })(s)
					},
				},
			},
		})
	})
}

// A rule changed, added or removed outside Terraform is drift, put back;
// an ACL deleted outside Terraform is created again.
func TestAccIncusNetworkACL_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("acl")
		t.Cleanup(func() { forgetACLs(h, "default", name) })
		cfg := aclConfig(h, fmt.Sprintf(`
  name = %q
  ingress = [
    { action = "allow", source = "198.18.0.0/15" },
    { action = "drop" },
  ]
`, name))
		asConfigured := checkACL(h, "default", name, func(a *api.NetworkACL) bool {
			return len(a.Ingress) == 2 && a.Ingress[0].Action == "allow" && a.Ingress[0].Source == "198.18.0.0/15" &&
				a.Ingress[1].Action == "drop" && len(a.Egress) == 0
		})
		update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(aclAddr, plancheck.ResourceActionUpdate),
		}}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkACLsGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: cfg, Check: asConfigured},
				{ // a rule changed out of band
					PreConfig: func() {
						changeACL(t, h, name, func(put *api.NetworkACLPut) { put.Ingress[0].Action = "reject" })
					},
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            asConfigured,
				},
				{ // a rule deleted out of band
					PreConfig: func() {
						changeACL(t, h, name, func(put *api.NetworkACLPut) { put.Ingress = put.Ingress[:1] })
					},
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            asConfigured,
				},
				{ // a rule added out of band
					PreConfig: func() {
						changeACL(t, h, name, func(put *api.NetworkACLPut) {
							put.Egress = []api.NetworkACLRule{{Action: "drop", State: "enabled"}}
						})
					},
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            asConfigured,
				},
				{ // the ACL deleted out of band: created again
					PreConfig: func() {
						if err := h.Client.DeleteNetworkACL(name); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(aclAddr, plancheck.ResourceActionCreate),
					}},
					Check: asConfigured,
				},
			},
		})
	})
}

func TestAccIncusNetworkACL_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, taken := acctest.RandomName("acl"), acctest.RandomName("acl")
		t.Cleanup(func() { forgetACLs(h, "default", name, taken) })
		withRules := func(n, rules string) string {
			return aclConfig(h, fmt.Sprintf("  name = %q\n  ingress = [\n%s\n  ]\n", n, rules))
		}
		ok := withRules(name, `    { action = "allow", source = "198.18.0.1" },`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkACLsGone(h, "default", name),
			Steps: []resource.TestStep{
				{ // names are checked at plan time
					Config:      aclConfig(h, `  name = "a_b"`),
					ExpectError: acctest.DiagRE(`Invalid Incus Network ACL Name.*letters, digits and hyphens`),
				},
				{ // a clearly bad rule is an error on its own path at plan time
					Config: withRules(name, `    { action = "allow" },
    { action = "drop", icmp_type = "8" },`),
					ExpectError: acctest.DiagRE(`Invalid Network ACL Rule.*ingress\[1\].icmp_type: icmp_type needs protocol "icmp4" or "icmp6"; this rule has no protocol`),
				},
				{
					Config:      withRules(name, `    { action = "allow", protocol = "icmp6", destination_port = "22" },`),
					ExpectError: acctest.DiagRE(`ingress\[0\].destination_port: destination_port needs protocol "tcp" or "udp"; this rule has protocol "icmp6"`),
				},
				{
					Config:      withRules(name, `    { action = "accept" },`),
					ExpectError: acctest.DiagRE(`Attribute ingress\[0\].action value must be one of`),
				},
				{ // a rule only the server refuses: its words, and which rule it was
					Config: withRules(name, `    { action = "allow", source = "198.18.0.1" },
    { action = "allow", source = "no-such-acl" },`),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Network ACL.*Invalid ingress rule 1: Invalid Source: Invalid subject "no-such-acl".*incusd refused ingress rule 1 \(ingress\[1\] in the configuration, counting from 0: action "allow", source "no-such-acl", state "enabled"\)`),
				},
				{Config: ok},
				{ // on update too, and the ACL stays as it was
					Config: aclConfig(h, fmt.Sprintf(`  name = %q
  ingress = [{ action = "allow", source = "198.18.0.1" }]
  egress  = [{ action = "allow", source = "@internal" }]
`, name)),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network ACL.*Invalid egress rule 0: Invalid Source: Named subjects not allowed in "Source" for "egress" rules.*egress\[0\] in the configuration`),
				},
				{
					Config: ok,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // config keys other than user.* are refused by the server
					Config:      aclConfig(h, fmt.Sprintf("  name = %q\n  config = { \"bogus\" = \"1\" }", name)),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network ACL.*Invalid config option "bogus"`),
				},
				{ // a rename to a taken name names the import ID of the other
					PreConfig: func() {
						if err := h.Client.CreateNetworkACL(api.NetworkACLsPost{NetworkACLPost: api.NetworkACLPost{Name: taken}}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      withRules(taken, `    { action = "allow", source = "198.18.0.1" },`),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Rename Incus Network ACL.*import.*"test:default/%s"`, taken)),
				},
			},
		})
	})
}

// A create whose name is taken names the import ID of the ACL that has it.
func TestAccIncusNetworkACL_taken(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("acl")
		t.Cleanup(func() { forgetACLs(h, "default", name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				PreConfig: func() {
					if err := h.Client.CreateNetworkACL(api.NetworkACLsPost{NetworkACLPost: api.NetworkACLPost{Name: name}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      aclConfig(h, fmt.Sprintf("  name = %q", name)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network ACL.*import.*"test:default/%s"`, name)),
			}},
		})
	})
}

// inUseNetwork is a managed bridge a profile's NIC can name: the mock's
// own, or on the real host one made for the test (an address from
// 198.18.0.0/15, NAT off: nothing is sent to it), removed at cleanup.
func inUseNetwork(t *testing.T, h *acctest.IncusHost) string {
	t.Helper()
	if h.IsMock() {
		return "mockbr0"
	}
	name := acctest.RandomName("aclbr") // 14 characters: Linux interface names take at most 15
	addr := testnet.Subnet24(name) + ".1/24"
	err := h.Client.CreateNetwork(api.NetworksPost{Name: name, Type: "bridge", NetworkPut: api.NetworkPut{Config: map[string]string{
		"ipv4.address": addr, "ipv4.nat": "false", "ipv6.address": "none",
	}}})
	if err != nil {
		t.Fatalf("creating bridge %s: %v", name, err)
	}
	t.Cleanup(func() { _ = h.Client.DeleteNetwork(name) })
	return name
}

// An ACL a profile's NIC names cannot be deleted or renamed: the
// diagnostic names the profile and the ACL stays in state.
func TestAccIncusNetworkACL_inUse(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed, prof := acctest.RandomName("acl"), acctest.RandomName("acl"), acctest.RandomName("aclprof")
		network := inUseNetwork(t, h)
		dropProfile := func() { _ = h.Client.DeleteProfile(prof) }
		t.Cleanup(func() { dropProfile(); forgetACLs(h, "default", name, renamed) })
		cfg := aclConfig(h, fmt.Sprintf("  name = %q", name))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkACLsGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() {
						err := h.Client.CreateProfile(api.ProfilesPost{Name: prof, ProfilePut: api.ProfilePut{Devices: map[string]map[string]string{
							"eth0": {"type": "nic", "network": network, "security.acls": name},
						}}})
						if err != nil {
							t.Fatalf("creating profile %s: %v", prof, err)
						}
					},
					Config:      h.ProviderConfig(),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Delete Incus Network ACL.*is in use: it is still used by profile %q.*Cannot delete an ACL that is in use.*stays in state`, prof)),
				},
				{
					Config:      aclConfig(h, fmt.Sprintf("  name = %q", renamed)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Rename Incus Network ACL.*still used by profile %q.*Cannot rename an ACL that is in use`, prof)),
				},
				{ // still in state: nothing to change with the config back
					PreConfig: dropProfile,
					Config:    cfg,
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
func TestAccIncusNetworkACL_etagConflict(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("the change must land between refresh and write: only the mock host can time it")
		}
		name := acctest.RandomName("acl")
		cfg := func(desc string) string {
			return aclConfig(h, fmt.Sprintf("  name = %q\n  description = %q\n  ingress = [{ action = \"drop\" }]", name, desc))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkACLsGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: cfg("one")},
				{
					PreConfig: func() {
						h.Mock.InjectFault(mockhost.Fault{Method: http.MethodPut, PathPrefix: "/1.0/network-acls/" + name, Times: 1,
							Hook: func() {
								changeACL(t, h, name, func(put *api.NetworkACLPut) { put.Ingress[0].Action = "reject" })
							}})
					},
					Config:      cfg("two"),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network ACL.*changed outside Terraform since it was read; run apply again`),
				},
				{
					Config: cfg("two"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(aclAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkACL(h, "default", name, func(a *api.NetworkACL) bool {
						return a.Description == "two" && a.Ingress[0].Action == "drop"
					}),
				},
			},
		})
	})
}

// incusd 6.0.4 answers some deletes of an ACL that still exists with a 404
// (its usage scan met another ACL deleted at the same moment): the destroy
// must not believe it, or the ACL would be left on the host.
func TestAccIncusNetworkACL_deleteAnswered404(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("the race is timed on the mock; on the real daemon, make bench destroys 20 ACLs at once")
		}
		name := acctest.RandomName("acl")
		t.Cleanup(func() { forgetACLs(h, "default", name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkACLsGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: aclConfig(h, fmt.Sprintf("  name = %q", name))},
				{
					PreConfig: func() {
						h.Mock.InjectFault(mockhost.Fault{Method: http.MethodDelete, PathPrefix: "/1.0/network-acls/" + name, Times: 2,
							Status: http.StatusNotFound, Message: "Failed getting ACL usage: Network ACL not found"})
					},
					Config: h.ProviderConfig(),
					Check:  checkACLsGone(h, "default", name),
				},
			},
		})
	})
}

// Text Incus would store changed (trimmed, or a list with spaces around its
// commas) is refused at plan time, naming what to write instead: read back
// after the apply, it would differ from the plan.
func TestAccIncusNetwork_textIncusWouldChange(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      aclConfig(h, `  name = "x"`+"\n"+`  ingress = [{ action = "allow", source = "198.18.0.0/24, 198.18.1.0/24" }]`),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Value Incus Would Change.*Incus stores "198.18.0.0/24, 198.18.1.0/24" as "198.18.0.0/24,198.18.1.0/24".*Write "198.18.0.0/24,198.18.1.0/24"`),
			},
			{
				Config:      aclConfig(h, `  name = "x"`+"\n"+`  egress = [{ action = "drop", description = "no mail " }]`),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Incus stores "no mail " as "no mail" \(it removes the spaces at the start and end\)`),
			},
			{
				Config: h.ProviderConfig() + `
resource "rack_incus_network_forward" "test" {
  remote         = "test"
  network        = "br0"
  listen_address = "198.19.0.5"
  description    = " web"
}
`,
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Value Incus Would Change.*Write "web"`),
			},
		},
	})
}
