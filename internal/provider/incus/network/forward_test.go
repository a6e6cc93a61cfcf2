package network_test

import (
	"crypto/rand"
	"fmt"
	"regexp"
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
	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

const forwardAddr = "rack_incus_network_forward.test"

// testNet is a /24 (as "198.19.N") no other test holds, for a test bridge
// with NAT off that no traffic is sent to.
func testNet() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return testnet.Subnet24(fmt.Sprintf("forward-%x", b))
}

// bridgeBlock declares a test bridge rack_incus_network.<res>.
func bridgeBlock(res, name, subnet string) string {
	return fmt.Sprintf(`
resource "rack_incus_network" %q {
  remote = "test"
  name   = %q
  config = { "ipv4.address" = "%s.1/24", "ipv4.nat" = "false", "ipv6.address" = "none" }
}
`, res, name, subnet)
}

func forwardConfig(h *acctest.IncusHost, br, subnet, body string) string {
	return h.ProviderConfig() + bridgeBlock("br", br, subnet) + fmt.Sprintf(`
resource "rack_incus_network_forward" "test" {
  remote  = "test"
  network = rack_incus_network.br.name
%s
}
`, body)
}

func checkForward(h *acctest.IncusHost, br, listen string, check func(f *api.NetworkForward) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		f, _, err := h.Client.GetNetworkForward(br, listen)
		if err != nil {
			return err
		}
		if !check(f) {
			return fmt.Errorf("forward %s of %s on the host: %+v", listen, br, f)
		}
		return nil
	}
}

func TestAccIncusNetworkForward_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		br, sub := acctest.RandomName("fw"), testNet()
		v1 := forwardConfig(h, br, sub, fmt.Sprintf(`
  listen_address = "%[1]s.5"
  description    = "web"
  config         = { target_address = "%[1]s.9" }
  ports = [
    { protocol = "tcp", listen_port = "80,443", target_address = "%[1]s.10", target_port = "8080,8443" },
    { protocol = "udp", listen_port = "53", target_address = "%[1]s.11" },
  ]
`, sub))
		v2 := forwardConfig(h, br, sub, fmt.Sprintf(`
  listen_address = "%[1]s.5"
  description    = "web2"
  config         = { "user.owner" = "terraform" }
  ports = [
    { description = "ssh", protocol = "tcp", listen_port = "2200-2210", target_address = "%[1]s.12", target_port = "22" },
  ]
`, sub))
		v3 := forwardConfig(h, br, sub, fmt.Sprintf(`
  listen_address = "%[1]s.6"
  description    = "web2"
`, sub))
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(forwardAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+br+"/"+sub+".5")),
						statecheck.ExpectKnownValue(forwardAddr, tfjsonpath.New("ports").AtSliceIndex(1).AtMapKey("target_port"), knownvalue.Null()),
						statecheck.ExpectKnownValue(forwardAddr, tfjsonpath.New("ports").AtSliceIndex(1).AtMapKey("description"), knownvalue.StringExact("")),
					},
					Check: checkForward(h, br, sub+".5", func(f *api.NetworkForward) bool {
						return f.Description == "web" && f.Config["target_address"] == sub+".9" && len(f.Ports) == 2 &&
							f.Ports[0].ListenPort == "80,443" && f.Ports[0].TargetPort == "8080,8443" && f.Ports[1].Protocol == "udp"
					}),
				},
				{Config: v1, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // update in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(forwardAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkForward(h, br, sub+".5", func(f *api.NetworkForward) bool {
						return f.Description == "web2" && f.Config["target_address"] == "" && f.Config["user.owner"] == "terraform" &&
							len(f.Ports) == 1 && f.Ports[0].Description == "ssh" && f.Ports[0].TargetPort == "22"
					}),
				},
				{ResourceName: forwardAddr, ImportState: true, ImportStateId: "test:default/" + br + "/" + sub + ".5", ImportStateVerify: true,
					ImportStateVerifyIgnore: []string{"timeouts"}},
				{ // changed out of band: drift, put back
					PreConfig: func() {
						f, etag, err := h.Client.GetNetworkForward(br, sub+".5")
						if err != nil {
							t.Fatal(err)
						}
						f.Description = "changed"
						f.Ports = append(f.Ports, api.NetworkForwardPort{Protocol: "udp", ListenPort: "9999", TargetAddress: sub + ".13"})
						if err := h.Client.UpdateNetworkForward(br, sub+".5", f.Writable(), etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(forwardAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkForward(h, br, sub+".5", func(f *api.NetworkForward) bool { return f.Description == "web2" && len(f.Ports) == 1 }),
				},
				{ // a new listen address replaces
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(forwardAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: func(s *terraform.State) error {
						if _, _, err := h.Client.GetNetworkForward(br, sub+".5"); err == nil {
							return fmt.Errorf("the old forward %s.5 still exists", sub)
						}
						return checkForward(h, br, sub+".6", func(f *api.NetworkForward) bool { return len(f.Ports) == 0 })(s)
					},
				},
				{ // deleted out of band: planned again
					PreConfig: func() {
						if err := h.Client.DeleteNetworkForward(br, sub+".6"); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(forwardAddr, plancheck.ResourceActionCreate),
					}},
					Check: checkForward(h, br, sub+".6", func(*api.NetworkForward) bool { return true }),
				},
				{ // data source
					Config: v3 + `
data "rack_incus_network_forward" "d" {
  remote         = "test"
  network        = rack_incus_network_forward.test.network
  listen_address = rack_incus_network_forward.test.listen_address
}
`,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.rack_incus_network_forward.d", tfjsonpath.New("description"), knownvalue.StringExact("web2")),
						statecheck.ExpectKnownValue("data.rack_incus_network_forward.d", tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+br+"/"+sub+".6")),
					},
				},
			},
		})
	})
}

// wrapped matches the texts in order, whatever the line breaks Terraform
// puts between their words.
func wrapped(texts ...string) *regexp.Regexp {
	parts := make([]string, len(texts))
	for i, t := range texts {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(t)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

func TestAccIncusNetworkForward_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		br, sub := acctest.RandomName("fw"), testNet()
		missing := acctest.RandomName("nx")
		plan := func(body string) string { return forwardConfig(h, br, sub, body) }
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{ // plan time: what incusd would refuse or store otherwise
					Config:      plan(fmt.Sprintf(`listen_address = "%s.05"`, sub)),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`listen_address is "` + regexp.QuoteMeta(sub) + `\.05": it is not an IP address`),
				},
				{
					Config: plan(fmt.Sprintf(`listen_address = "%[1]s.5"
  ports = [{ protocol = "tcp", listen_port = "80, 443", target_address = "%[1]s.10" }]`, sub)),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`ports\[0\]\.listen_port is "80, 443": it must not contain spaces`),
				},
				{
					Config: plan(fmt.Sprintf(`listen_address = "%[1]s.5"
  ports = [{ protocol = "tcp", listen_port = "70000", target_address = "2001:db8::1" }]`, sub)),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)(Mixed IP Versions.*"70000" is not a port|"70000" is not a port.*Mixed IP Versions)`),
				},
				{
					Config: plan(fmt.Sprintf(`
  listen_address = "%[1]s.5"
  ports = [
    { protocol = "tcp", listen_port = "80", target_address = "%[1]s.10" },
    { protocol = "tcp", listen_port = "70-90", target_address = "%[1]s.11", target_port = "1-2" },
  ]
`, sub)),
					PlanOnly: true,
					ExpectError: regexp.MustCompile(`(?s)ports\[1\]: tcp port 80 is already a listen port of ports\[0\].*` +
						`ports\[1\]: target_port "1-2" holds 2 ports and listen_port "70-90" holds 21`),
				},
				{
					Config:      plan(`listen_address = "2001:DB8::5"`),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`write it as Incus stores it, "2001:db8::5"`),
				},
				{ // a network that does not exist: the network is named missing
					Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_forward" "test" {
  remote         = "test"
  network        = %q
  listen_address = "%s.5"
}
`, missing, sub),
					ExpectError: wrapped(`Network "` + missing + `" (project "default", remote "test") was not found. The network does not exist: create it first`),
				},
				{ // a target outside the network's subnet: incusd's text, and which entry
					Config: plan(fmt.Sprintf(`
  listen_address = "%[1]s.5"
  ports = [
    { protocol = "tcp", listen_port = "80", target_address = "%[1]s.10" },
    { protocol = "tcp", listen_port = "81", target_address = "10.0.0.1" },
  ]
`, sub)),
					ExpectError: wrapped(`Failed creating forward: Target address is not within the network subnet in port specification 1`, `ports[1] in the configuration, counting from 0 (protocol "tcp", listen_port "81", target_address "10.0.0.1")`),
				},
				{ // a listen address taken out of band: the import ID of what has it
					PreConfig: func() {
						if err := h.Client.CreateNetworkForward(br, api.NetworkForwardsPost{ListenAddress: sub + ".7"}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      plan(fmt.Sprintf(`listen_address = "%s.7"`, sub)),
					ExpectError: wrapped(`already exists. To manage the existing object with Terraform, import it with the ID "test:default/`+br+`/`+sub+`.7"`, `A forward for that listen address already exists`),
				},
				{ // and after its removal the same config applies
					PreConfig: func() { _ = h.Client.DeleteNetworkForward(br, sub+".7") },
					Config:    plan(fmt.Sprintf(`listen_address = "%s.7"`, sub)),
				},
			},
		})
	})
}

// An IPv6 listen address holds colons: its import ID still parses (a
// mock-only bridge with IPv6; test bridges on the real daemon have none).
func TestAccIncusNetworkForward_importIPv6(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("test bridges on the real daemon have ipv6.address=none")
		}
		br := acctest.RandomName("fw")
		cfg := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network" "br" {
  remote = "test"
  name   = %q
  config = { "ipv4.address" = "none", "ipv6.address" = "fd42:77::1/64", "ipv6.nat" = "false" }
}

resource "rack_incus_network_forward" "test" {
  remote         = "test"
  network        = rack_incus_network.br.name
  listen_address = "2001:db8::5"
  ports          = [{ protocol = "tcp", listen_port = "80", target_address = "fd42:77::10" }]
}
`, br)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(forwardAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+br+"/2001:db8::5")),
				}},
				{ResourceName: forwardAddr, ImportState: true, ImportStateId: br + "/2001:db8::5", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
				{ResourceName: forwardAddr, ImportState: true, ImportStateId: "test:default/" + br + "/2001:db8::5", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
			},
		})
	})
}
