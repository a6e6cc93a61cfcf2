package network_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const setAddr = "rack_incus_network_address_set.test"

// noAddressSets is why the real test daemon skips the tests that need sets.
const noAddressSets = "network address sets need Incus 6.12 or later (API extension network_address_set); the real test daemon runs 6.0.4: TestAccIncusNetworkAddressSet_missingExtension checks what it says there"

func setConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_address_set" "test" {
  remote = "test"
%s
}
`, body)
}

func forgetSets(h *acctest.IncusHost, project string, names ...string) {
	for _, n := range names {
		_ = h.Client.UseProject(project).DeleteNetworkAddressSet(n)
	}
}

func checkSetsGone(h *acctest.IncusHost, project string, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.UseProject(project).GetNetworkAddressSet(n); err == nil {
				return fmt.Errorf("network address set %s (project %s) still exists after destroy", n, project)
			}
		}
		return nil
	}
}

func checkSet(h *acctest.IncusHost, project, name string, check func(a *api.NetworkAddressSet) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		a, _, err := h.Client.UseProject(project).GetNetworkAddressSet(name)
		if err != nil {
			return err
		}
		if !check(a) {
			return fmt.Errorf("network address set %s on the host: %+v", name, a)
		}
		return nil
	}
}

// sameAddresses compares a set's entries with want, in any order.
func sameAddresses(got []string, want ...string) bool {
	g := append([]string{}, got...)
	sort.Strings(g)
	sort.Strings(want)
	return strings.Join(g, ",") == strings.Join(want, ",")
}

// changeSet changes an address set out of band.
func changeSet(t *testing.T, h *acctest.IncusHost, name string, change func(put *api.NetworkAddressSetPut)) {
	t.Helper()
	a, etag, err := h.Client.GetNetworkAddressSet(name)
	if err != nil {
		t.Fatalf("reading network address set %s: %v", name, err)
	}
	put := a.Writable()
	change(&put)
	if err := h.Client.UpdateNetworkAddressSet(name, put, etag); err != nil {
		t.Fatalf("changing network address set %s out of band: %v", name, err)
	}
}

func stringSet(v ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(v))
	for i, s := range v {
		checks[i] = knownvalue.StringExact(s)
	}
	return knownvalue.SetExact(checks)
}

func TestAccIncusNetworkAddressSet_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noAddressSets)
		}
		name, renamed := acctest.RandomName("as"), acctest.RandomName("as")
		project := makeNetworksProject(t, h)
		t.Cleanup(func() {
			forgetSets(h, "default", name, renamed)
			forgetSets(h, project, renamed)
		})
		v1 := setConfig(h, fmt.Sprintf(`
  name        = %q
  project     = "default"
  description = "first"
  addresses   = ["198.18.0.1", "198.18.1.0/24", "2001:db8::1"]
  config      = { "user.owner" = "terraform" }
`, name))
		v2body := func(n string) string {
			return fmt.Sprintf(`
  name        = %q
  description = "second"
  addresses   = ["198.18.0.2", "2001:db8::/64"]
`, n)
		}
		v2 := setConfig(h, v2body(name))
		v3 := setConfig(h, v2body(renamed)) + `
data "rack_incus_network_address_set" "test" {
  remote = "test"
  name   = rack_incus_network_address_set.test.name
}
`
		v4 := setConfig(h, v2body(renamed)+fmt.Sprintf("  project = %q\n", project))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(s *terraform.State) error {
				if err := checkSetsGone(h, "default", name, renamed)(s); err != nil {
					return err
				}
				return checkSetsGone(h, project, renamed)(s)
			},
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(setAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
						statecheck.ExpectKnownValue(setAddr, tfjsonpath.New("addresses"), stringSet("198.18.0.1", "198.18.1.0/24", "2001:db8::1")),
						statecheck.ExpectKnownValue(setAddr, tfjsonpath.New("used_by"), knownvalue.ListExact([]knownvalue.Check{})),
					},
					Check: checkSet(h, "default", name, func(a *api.NetworkAddressSet) bool {
						return a.Description == "first" && a.Config["user.owner"] == "terraform" &&
							sameAddresses(a.Addresses, "198.18.0.1", "198.18.1.0/24", "2001:db8::1")
					}),
				},
				{ // addresses, description and config changed in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(setAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(setAddr, tfjsonpath.New("config"), knownvalue.Null()),
					},
					Check: checkSet(h, "default", name, func(a *api.NetworkAddressSet) bool {
						return a.Description == "second" && len(a.Config) == 0 && sameAddresses(a.Addresses, "198.18.0.2", "2001:db8::/64")
					}),
				},
				{
					ResourceName:            setAddr,
					ImportState:             true,
					ImportStateId:           "test:default/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{ // an import block, then an empty plan
					ResourceName:    setAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   name, // [remote:][project/]name: the defaults fill in
					Config:          v2,
				},
				{ // rename in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(setAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(setAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+renamed)),
						statecheck.ExpectKnownValue("data.rack_incus_network_address_set.test", tfjsonpath.New("addresses"), stringSet("198.18.0.2", "2001:db8::/64")),
						statecheck.ExpectKnownValue("data.rack_incus_network_address_set.test", tfjsonpath.New("description"), knownvalue.StringExact("second")),
						statecheck.ExpectKnownValue("data.rack_incus_network_address_set.test", tfjsonpath.New("project"), knownvalue.StringExact("default")),
					},
					Check: func(s *terraform.State) error {
						if err := checkSetsGone(h, "default", name)(s); err != nil {
							return err
						}
						return checkSet(h, "default", renamed, func(a *api.NetworkAddressSet) bool { return a.Description == "second" })(s)
					},
				},
				{
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // another project: replaced
					Config: v4,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(setAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(setAddr, tfjsonpath.New("id"), knownvalue.StringExact(fmt.Sprintf("test:%s/%s", project, renamed))),
					},
					Check: func(s *terraform.State) error {
						if err := checkSetsGone(h, "default", renamed)(s); err != nil {
							return err
						}
						return checkSet(h, project, renamed, func(a *api.NetworkAddressSet) bool {
							return a.Description == "second" && sameAddresses(a.Addresses, "198.18.0.2", "2001:db8::/64")
						})(s)
					},
				},
				{
					ResourceName:      setAddr,
					ImportState:       true,
					ImportStateId:     fmt.Sprintf("test:%s/%s", project, renamed),
					ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
				},
			},
		})
	})
}

// Entries changed, added or removed outside Terraform are drift, put back;
// an entry rewritten as the same address spelled otherwise is not; a set
// deleted outside Terraform is created again.
func TestAccIncusNetworkAddressSet_drift(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noAddressSets)
		}
		name := acctest.RandomName("as")
		t.Cleanup(func() { forgetSets(h, "default", name) })
		cfg := setConfig(h, fmt.Sprintf(`
  name      = %q
  addresses = ["198.18.0.1", "2001:db8::1"]
  config    = { "user.a" = "1" }
`, name))
		asConfigured := checkSet(h, "default", name, func(a *api.NetworkAddressSet) bool {
			return sameAddresses(a.Addresses, "198.18.0.1", "2001:db8::1") && len(a.Config) == 1 && a.Config["user.a"] == "1"
		})
		update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(setAddr, plancheck.ResourceActionUpdate),
		}}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkSetsGone(h, "default", name),
			Steps: []resource.TestStep{
				{Config: cfg, Check: asConfigured},
				{ // an entry replaced out of band
					PreConfig: func() {
						changeSet(t, h, name, func(put *api.NetworkAddressSetPut) { put.Addresses = []string{"198.18.0.9", "2001:db8::1"} })
					},
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            asConfigured,
				},
				{ // an entry added, a config key changed out of band
					PreConfig: func() {
						changeSet(t, h, name, func(put *api.NetworkAddressSetPut) {
							put.Addresses = append(put.Addresses, "198.19.0.0/16")
							put.Config["user.a"] = "2"
						})
					},
					Config:           cfg,
					ConfigPlanChecks: update,
					Check:            asConfigured,
				},
				{ // the same addresses spelled otherwise: no change
					PreConfig: func() {
						changeSet(t, h, name, func(put *api.NetworkAddressSetPut) { put.Addresses = []string{"2001:DB8:0::1", "198.18.0.1"} })
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(setAddr, tfjsonpath.New("addresses"), stringSet("198.18.0.1", "2001:db8::1")),
					},
				},
				{ // the set deleted out of band: created again
					PreConfig: func() {
						if err := h.Client.DeleteNetworkAddressSet(name); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(setAddr, plancheck.ResourceActionCreate),
					}},
					Check: asConfigured,
				},
			},
		})
	})
}

func TestAccIncusNetworkAddressSet_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noAddressSets)
		}
		name, taken := acctest.RandomName("as"), acctest.RandomName("as")
		t.Cleanup(func() { forgetSets(h, "default", name, taken) })
		withAddresses := func(n, addrs string) string {
			return setConfig(h, fmt.Sprintf("  name = %q\n  addresses = [%s]\n", n, addrs))
		}
		ok := withAddresses(name, `"198.18.0.1"`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkSetsGone(h, "default", name),
			Steps: []resource.TestStep{
				{ // names, entries and config keys are checked at plan time
					Config:      setConfig(h, `  name = "a_b"`),
					ExpectError: acctest.DiagRE(`Invalid Incus Network Address Set Name.*letters, digits and hyphens`),
				},
				{
					Config:      setConfig(h, `  name = "$web"`),
					ExpectError: acctest.DiagRE(`must not start with "\$" \(ACL rules write the set as \$web; leave the \$ out of the name\)`),
				},
				{
					Config:      withAddresses(name, `"198.18.0.1", "198.18.0.300"`),
					ExpectError: acctest.DiagRE(`Invalid Network Address Set Entry.*"198.18.0.300" is not an IP address or a CIDR subnet, and incusd would refuse it`),
				},
				{
					Config:      withAddresses(name, `"198.18.0.1-198.18.0.9"`),
					ExpectError: acctest.DiagRE(`"198.18.0.1-198.18.0.9" is not an IP address or a CIDR subnet.*a range \(a-b\) needs Incus 7.1's network_address_set_ip_ranges extension`),
				},
				{
					Config:      withAddresses(name, `"2001:db8::1", "2001:DB8:0::1"`),
					ExpectError: acctest.DiagRE(`Duplicate Network Address Set Entry.*"2001:DB8:0::1" and "2001:db8::1" are the same address \(2001:db8::1\) written two ways`),
				},
				{
					Config:      setConfig(h, fmt.Sprintf("  name = %q\n  config = { \"bogus\" = \"1\" }", name)),
					ExpectError: acctest.DiagRE(`Invalid Network Address Set Config Key.*"bogus" is not a user.\* key`),
				},
				{Config: ok},
				{ // a rename to a taken name names the import ID of the other, and state keeps the old name
					PreConfig: func() {
						if err := h.Client.CreateNetworkAddressSet(api.NetworkAddressSetsPost{NetworkAddressSetPost: api.NetworkAddressSetPost{Name: taken}}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      withAddresses(taken, `"198.18.0.1"`),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Rename Incus Network Address Set.*import.*"test:default/%s".*Address set by that name: %s exists already`, taken, taken)),
				},
				{
					Config: ok,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{ // a missing set is an error for the data source, never an empty read
					Config: ok + `
data "rack_incus_network_address_set" "missing" {
  remote = "test"
  name   = "rack-nosuchset"
}
`,
					ExpectError: acctest.DiagRE(`Unable to Read Incus Network Address Set.*Network address set "rack-nosuchset" \(project "default", remote "test"\) was not found.*Network_address_set not found`),
				},
			},
		})
	})
}

// A create whose name is taken names the import ID of the set that has it.
func TestAccIncusNetworkAddressSet_taken(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noAddressSets)
		}
		name := acctest.RandomName("as")
		t.Cleanup(func() { forgetSets(h, "default", name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				PreConfig: func() {
					if err := h.Client.CreateNetworkAddressSet(api.NetworkAddressSetsPost{NetworkAddressSetPost: api.NetworkAddressSetPost{Name: name}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      setConfig(h, fmt.Sprintf("  name = %q", name)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Address Set.*import.*"test:default/%s".*The network address set already exists`, name)),
			}},
		})
	})
}

// An ACL rule names a set made in the same configuration as $name: the
// reference orders the set first (and last on destroy). While the rule
// names it, incusd refuses to delete or rename the set, and the error
// names the ACL. A rule naming a set that does not exist blames the set.
func TestAccIncusNetworkAddressSet_inACL(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip(noAddressSets)
		}
		name, renamed, acl := acctest.RandomName("as"), acctest.RandomName("as"), acctest.RandomName("acl")
		t.Cleanup(func() { forgetACLs(h, "default", acl); forgetSets(h, "default", name, renamed) })
		set := func(n string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_address_set" "web" {
  remote    = "test"
  name      = %q
  addresses = ["198.18.0.10", "198.18.0.11"]
}
`, n)
		}
		aclOf := func(source string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_acl" "test" {
  remote  = "test"
  name    = %q
  ingress = [{ action = "allow", source = %s, protocol = "tcp", destination_port = "443" }]
  egress  = [{ action = "drop", destination = format("$%%s", rack_incus_network_address_set.web.name) }]
}
`, acl, source)
		}
		both := h.ProviderConfig() + set(name) + aclOf(`format("198.18.1.1,$%s", rack_incus_network_address_set.web.name)`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(s *terraform.State) error {
				if err := checkACLsGone(h, "default", acl)(s); err != nil {
					return err
				}
				return checkSetsGone(h, "default", name, renamed)(s)
			},
			Steps: []resource.TestStep{
				{
					Config: both,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("rack_incus_network_acl.test", tfjsonpath.New("ingress").AtSliceIndex(0).AtMapKey("source"), knownvalue.StringExact("198.18.1.1,$"+name)),
					},
					Check: checkACL(h, "default", acl, func(a *api.NetworkACL) bool {
						return a.Ingress[0].Source == "198.18.1.1,$"+name && a.Egress[0].Destination == "$"+name
					}),
				},
				{ // the next refresh reads the ACL into the set's used_by
					Config: both,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("rack_incus_network_address_set.web", tfjsonpath.New("used_by"),
							knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/1.0/network-acls/" + acl)})),
					},
				},
				{ // a rename while the ACL names it is refused, naming the ACL
					Config:      h.ProviderConfig() + set(renamed) + aclOf(`"198.18.1.1"`),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Rename Incus Network Address Set.*still used by network ACL %q.*Cannot rename address set that is in use`, acl)),
				},
				{ // the set out of the configuration while the ACL still names it: the delete is refused, the set stays in state
					Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_acl" "test" {
  remote  = "test"
  name    = %q
  ingress = [{ action = "allow", source = "$%s" }]
}
`, acl, name),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Delete Incus Network Address Set.*is in use: it is still used by network ACL %q.*Cannot delete address set that is in use.*stays in state`, acl)),
				},
				{ // a rule naming a set that does not exist: the set is what is missing
					Config: h.ProviderConfig() + set(name) + fmt.Sprintf(`
resource "rack_incus_network_acl" "test" {
  remote  = "test"
  name    = %q
  ingress = [{ action = "allow", source = "$rack-nosuchset" }]
}
`, acl),
					ExpectError: acctest.DiagRE(`Unable to Update Incus Network ACL.*Network address set "rack-nosuchset" \(project "default", remote "test"\) was not found.*ingress rule 0 \(ingress\[0\] in the configuration, counting from 0\) names address set \$rack-nosuchset in its Source.*Failed getting network address set "rack-nosuchset" for subject validation: Network_address_set not found`),
				},
				{ // back to the set and the ACL naming it: destroy removes the ACL first
					Config: both,
				},
			},
		})
	})
}

// On a server without the network_address_set extension (the real test
// daemon, Incus 6.0.4), a plan to create a set says so, naming the
// extension and the release that brought it; so do the data source and
// the refusal of an ACL rule naming a set.
func TestAccIncusNetworkAddressSet_missingExtension(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if h.IsMock() {
			t.Skip("the mock host serves the network_address_set extension")
		}
		name, acl := acctest.RandomName("as"), acctest.RandomName("acl")
		t.Cleanup(func() { forgetACLs(h, "default", acl) })
		want := "Incus server \"test\" runs Incus 6\\.0\\.4, which lacks the API extension \"network_address_set\": network address sets came with Incus 6\\.12\\. " +
			"Upgrade the server to Incus 6\\.12 or later \\(`incus version test:` shows what it runs\\), or remove the network address sets from the configuration\\."
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config:             setConfig(h, fmt.Sprintf("  name = %q\n  addresses = [\"198.18.0.1\"]", name)),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
					// at plan time, before anything is sent
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Address Set.*The server rejected the request for network address set %q \(project "default", remote "test"\)\. `, name) + want),
				},
				{
					Config: h.ProviderConfig() + fmt.Sprintf(`
data "rack_incus_network_address_set" "test" {
  remote = "test"
  name   = %q
}
`, name),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Read Incus Network Address Set.*The server rejected the request for network address set %q \(project "default", remote "test"\)\. `, name) +
						want + fmt.Sprintf(` Cause: rejected: network address set %q \(project "default", remote "test"\): the server lacks the "network_address_set" API extension`, name)),
				},
				{ // an ACL rule naming a set as $name: incusd 6.0.4's refusal, and why
					Config: aclConfig(h, fmt.Sprintf("  name = %q\n  ingress = [{ action = \"allow\", source = \"$%s\" }]\n", acl, name)),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Network ACL.*Invalid ingress rule 0: Invalid Source: Invalid subject "\$` + name + `".*` +
						`Correct that rule and apply again\. A subject written \$name is a network address set: ` + want),
				},
			},
		})
	})
}
