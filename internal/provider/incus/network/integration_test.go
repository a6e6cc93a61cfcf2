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
)

const integrationAddr = "rack_incus_network_integration.test"

// integrationKey is a fake client key: a secret the plan must not show.
const integrationKey = "-----BEGIN PRIVATE KEY-----fake-ic-key-7d41-----END PRIVATE KEY-----"

func integrationConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_integration" "test" {
  remote = "test"
  type   = "ovn"
%s
}
`, body)
}

func forgetIntegrations(h *acctest.IncusHost, names ...string) {
	for _, n := range names {
		_ = h.Client.DeleteNetworkIntegration(n)
	}
}

func checkIntegrationsGone(h *acctest.IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, _, err := h.Client.GetNetworkIntegration(n); err == nil {
				return fmt.Errorf("network integration %s still exists after destroy", n)
			}
		}
		return nil
	}
}

func checkIntegration(h *acctest.IncusHost, name string, check func(n *api.NetworkIntegration) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n, _, err := h.Client.GetNetworkIntegration(name)
		if err != nil {
			return err
		}
		if !check(n) {
			return fmt.Errorf("network integration %s on the host: %+v", name, n)
		}
		return nil
	}
}

// An integration is only database records on incusd 6.0.4 (no OVN needed
// until a remote peer uses it): the test runs on the real daemon too.
func TestAccIncusNetworkIntegration_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed := acctest.RandomName("ni"), acctest.RandomName("ni")
		t.Cleanup(func() { forgetIntegrations(h, name, renamed) })
		body := func(n, desc, northbound string) string {
			return fmt.Sprintf(`
  name        = %q
  description = %q
  config = {
    "ovn.northbound_connection" = %q
    "ovn.client_key"            = %q
    "user.owner"                = "terraform"
  }
`, n, desc, northbound, integrationKey)
		}
		v1 := integrationConfig(h, body(name, "first", "ssl:127.0.0.1:6645"))
		v2 := integrationConfig(h, body(name, "second", "ssl:127.0.0.1:6646"))
		v3 := integrationConfig(h, body(renamed, "second", "ssl:127.0.0.1:6646")) + `
data "rack_incus_network_integration" "test" {
  remote = "test"
  name   = rack_incus_network_integration.test.name
}
`
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkIntegrationsGone(h, name, renamed),
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectSensitiveValue(integrationAddr, tfjsonpath.New("config")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:"+name)),
						statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("type"), knownvalue.StringExact("ovn")),
						statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("config").AtMapKey("ovn.client_key"), knownvalue.StringExact(integrationKey)),
					},
					Check: checkIntegration(h, name, func(n *api.NetworkIntegration) bool {
						return n.Type == "ovn" && n.Description == "first" && n.Config["ovn.northbound_connection"] == "ssl:127.0.0.1:6645" && n.Config["ovn.client_key"] == integrationKey
					}),
				},
				{ // description and config in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkIntegration(h, name, func(n *api.NetworkIntegration) bool {
						return n.Description == "second" && n.Config["ovn.northbound_connection"] == "ssl:127.0.0.1:6646"
					}),
				},
				{
					ResourceName:            integrationAddr,
					ImportState:             true,
					ImportStateId:           "test:" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					ResourceName:    integrationAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   "test:" + name,
					Config:          v2,
				},
				{ // renamed in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:"+renamed)),
						statecheck.ExpectKnownValue("data.rack_incus_network_integration.test", tfjsonpath.New("config").AtMapKey("user.owner"), knownvalue.StringExact("terraform")),
						statecheck.ExpectKnownValue("data.rack_incus_network_integration.test", tfjsonpath.New("type"), knownvalue.StringExact("ovn")),
					},
					Check: resource.ComposeTestCheckFunc(checkIntegrationsGone(h, name), checkIntegration(h, renamed, func(n *api.NetworkIntegration) bool {
						return n.Description == "second"
					})),
				},
				{ // changed out of band: put back
					PreConfig: func() {
						n, etag, err := h.Client.GetNetworkIntegration(renamed)
						if err != nil {
							t.Fatal(err)
						}
						put := n.Writable()
						put.Config["ovn.northbound_connection"] = "ssl:127.0.0.1:9999"
						put.Config["user.extra"] = "x"
						if err := h.Client.UpdateNetworkIntegration(renamed, put, etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkIntegration(h, renamed, func(n *api.NetworkIntegration) bool {
						return n.Config["ovn.northbound_connection"] == "ssl:127.0.0.1:6646" && n.Config["user.extra"] == ""
					}),
				},
				{ // deleted out of band: created again
					PreConfig: func() { forgetIntegrations(h, renamed) },
					Config:    v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionCreate),
					}},
					Check: checkIntegration(h, renamed, func(n *api.NetworkIntegration) bool { return n.Description == "second" }),
				},
			},
		})
	})
}

func TestAccIncusNetworkIntegration_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		taken := acctest.RandomName("ni")
		if err := h.Client.CreateNetworkIntegration(api.NetworkIntegrationsPost{Name: taken, Type: "ovn"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { forgetIntegrations(h, taken) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config:      h.ProviderConfig() + "resource \"rack_incus_network_integration\" \"test\" {\n  name = \"x\"\n  type = \"bgp\"\n}\n",
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Attribute type value must be one of: \["ovn"\], got: "bgp"`),
				},
				{
					Config:      integrationConfig(h, `name = "x"`+"\n"+`config = { "ovn.nothing" = "1" }`),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Invalid Network Integration Config Key.*Incus takes no config key "ovn.nothing" for a network integration of type ovn: it takes ovn.northbound_connection, .*user.\* keys`),
				},
				{
					Config:      integrationConfig(h, `name = "a/b"`),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`must not contain a slash`),
				},
				{
					Config:      integrationConfig(h, fmt.Sprintf("name = %q", taken)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Network Integration.*import.*"test:%s"`, taken)),
				},
			},
		})
	})
}

// A server without the API extension network_integrations: every action
// says which extension it lacks, the Incus release that brought it and
// the server's version. The real incusd here (6.0.4) has it, so the
// diagnostic is checked there only if it ever lacks it.
func TestAccIncusNetworkIntegration_missingExtension(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("ni")
		t.Cleanup(func() { forgetIntegrations(h, name) })
		version := `6\.0\.4-mock`
		if !h.IsMock() {
			if h.Client.HasExtension("network_integrations") {
				t.Skip("the real incusd serves the API extension network_integrations (every Incus since 0.7 does): the diagnostic of a server without it is checked on the mock")
			}
			version = `[^)]+`
		}
		hide := func(names ...string) func() {
			return func() {
				if h.IsMock() {
					h.Mock.HideExtensions(names...)
				}
			}
		}
		want := `Unable to %s Incus Network Integration.*network integration "` + name + `" \(remote "test"\).*Incus server "test" runs Incus ` + version + `, which lacks the API extension "network_integrations": network integrations came with Incus 0\.7\. Upgrade the server to Incus 0\.7 or later`
		config := integrationConfig(h, fmt.Sprintf("name = %q", name))
		steps := []resource.TestStep{{
			PreConfig:   hide("network_integrations"),
			Config:      config,
			ExpectError: acctest.DiagRE(fmt.Sprintf(want, "Create")),
		}}
		if h.IsMock() {
			steps = append(steps,
				resource.TestStep{PreConfig: hide(), Config: config}, // made while the server has it
				resource.TestStep{ // then it lacks it: the refresh says so
					PreConfig:   hide("network_integrations"),
					Config:      config,
					ExpectError: acctest.DiagRE(fmt.Sprintf(want, "Read")),
				},
				resource.TestStep{PreConfig: hide(), Config: config}, // back, for the destroy
			)
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkIntegrationsGone(h, name),
			Steps:                    steps,
		})
	})
}
