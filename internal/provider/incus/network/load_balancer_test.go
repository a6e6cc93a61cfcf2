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

const lbAddr = "rack_incus_network_load_balancer.test"

// ovnNetwork makes out of band (the mock only) an uplink bridge that
// routes 198.18.200.0/24 and an OVN network on it, 10.44.0.0/24.
func ovnNetwork(t *testing.T, h *acctest.IncusHost) string {
	t.Helper()
	name := acctest.RandomName("ov")
	uplink := "up" + name[len(name)-8:]
	for _, req := range []api.NetworksPost{
		{Name: uplink, Type: "bridge", NetworkPut: api.NetworkPut{Config: map[string]string{
			"ipv4.address": testNet() + ".1/24", "ipv4.nat": "false", "ipv6.address": "none", "ipv4.routes": "198.18.200.0/24"}}},
		{Name: name, Type: "ovn", NetworkPut: api.NetworkPut{Config: map[string]string{
			"network": uplink, "ipv4.address": "10.44.0.1/24", "ipv6.address": "none"}}},
	} {
		if err := h.Client.CreateNetwork(req); err != nil {
			t.Fatalf("creating network %s: %v", req.Name, err)
		}
	}
	t.Cleanup(func() {
		_ = h.Client.DeleteNetwork(name)
		_ = h.Client.DeleteNetwork(uplink)
	})
	return name
}

func lbConfig(h *acctest.IncusHost, network, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_network_load_balancer" "test" {
  remote  = "test"
  network = %q
%s
}
`, network, body)
}

func checkLB(h *acctest.IncusHost, network, listen string, check func(lb *api.NetworkLoadBalancer) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		lb, _, err := h.Client.GetNetworkLoadBalancer(network, listen)
		if err != nil {
			return err
		}
		if !check(lb) {
			return fmt.Errorf("load balancer %s of %s on the host: %+v", listen, network, lb)
		}
		return nil
	}
}

func TestAccIncusNetworkLoadBalancer_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("load balancers need an OVN network, and the real test daemon has no OVN (see _onBridge)")
		}
		ovn := ovnNetwork(t, h)
		v1 := lbConfig(h, ovn, `
  listen_address = "198.18.200.5"
  description    = "web"
  config         = { healthcheck = "true" }
  backends = [
    { name = "b1", target_address = "10.44.0.10", target_port = "8080" },
    { name = "b2", target_address = "10.44.0.11" },
  ]
  ports = [{ protocol = "tcp", listen_port = "80", target_backend = ["b1", "b2"] }]
`)
		v2 := lbConfig(h, ovn, `
  listen_address = "198.18.200.5"
  description    = "web2"
  backends       = [{ name = "b3", description = "new", target_address = "10.44.0.12", target_port = "9000-9001" }]
  ports          = [{ protocol = "udp", listen_port = "5000-5001", target_backend = ["b3"] }]
`)
		v3 := lbConfig(h, ovn, `
  listen_address = "198.18.200.6"
  description    = "web2"
`)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(lbAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+ovn+"/198.18.200.5")),
						statecheck.ExpectKnownValue(lbAddr, tfjsonpath.New("backends").AtSliceIndex(1).AtMapKey("target_port"), knownvalue.Null()),
					},
					Check: checkLB(h, ovn, "198.18.200.5", func(lb *api.NetworkLoadBalancer) bool {
						return lb.Description == "web" && lb.Config["healthcheck"] == "true" && len(lb.Backends) == 2 &&
							len(lb.Ports) == 1 && fmt.Sprint(lb.Ports[0].TargetBackend) == "[b1 b2]"
					}),
				},
				{Config: v1, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(lbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkLB(h, ovn, "198.18.200.5", func(lb *api.NetworkLoadBalancer) bool {
						return lb.Description == "web2" && len(lb.Config) == 0 && len(lb.Backends) == 1 && lb.Backends[0].Description == "new" &&
							lb.Ports[0].Protocol == "udp"
					}),
				},
				{ResourceName: lbAddr, ImportState: true, ImportStateId: ovn + "/198.18.200.5", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
				{ // changed out of band: drift, put back
					PreConfig: func() {
						lb, etag, err := h.Client.GetNetworkLoadBalancer(ovn, "198.18.200.5")
						if err != nil {
							t.Fatal(err)
						}
						lb.Backends[0].TargetAddress = "10.44.0.99"
						if err := h.Client.UpdateNetworkLoadBalancer(ovn, "198.18.200.5", lb.Writable(), etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(lbAddr, plancheck.ResourceActionUpdate),
					}},
					Check: checkLB(h, ovn, "198.18.200.5", func(lb *api.NetworkLoadBalancer) bool { return lb.Backends[0].TargetAddress == "10.44.0.12" }),
				},
				{
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(lbAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: checkLB(h, ovn, "198.18.200.6", func(lb *api.NetworkLoadBalancer) bool { return len(lb.Backends) == 0 }),
				},
				{
					PreConfig: func() {
						if err := h.Client.DeleteNetworkLoadBalancer(ovn, "198.18.200.6"); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(lbAddr, plancheck.ResourceActionCreate),
					}},
				},
				{
					Config: v3 + `
data "rack_incus_network_load_balancer" "d" {
  remote         = "test"
  network        = rack_incus_network_load_balancer.test.network
  listen_address = rack_incus_network_load_balancer.test.listen_address
}
`,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.rack_incus_network_load_balancer.d", tfjsonpath.New("description"), knownvalue.StringExact("web2")),
					},
				},
			},
		})
	})
}

func TestAccIncusNetworkLoadBalancer_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		if !h.IsMock() {
			t.Skip("load balancers need an OVN network, and the real test daemon has no OVN (see _onBridge)")
		}
		ovn := ovnNetwork(t, h)
		missing := acctest.RandomName("nx")
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{ // plan time: a port entry naming a backend that backends lacks
					Config: lbConfig(h, ovn, `
  listen_address = "198.18.200.5"
  backends       = [{ name = "b1", target_address = "10.44.0.10" }]
  ports          = [{ protocol = "tcp", listen_port = "80", target_backend = ["b1", "nope"] }]
`),
					PlanOnly:    true,
					ExpectError: wrapped(`ports[0].target_backend names backend "nope", which is not in backends ("b1").`),
				},
				{ // a backend's target ports that fit neither one nor the listen ports
					Config: lbConfig(h, ovn, `
  listen_address = "198.18.200.5"
  backends       = [{ name = "b1", target_address = "10.44.0.10", target_port = "8080-8081" }]
  ports          = [{ protocol = "tcp", listen_port = "80-82", target_backend = ["b1"] }]
`),
					PlanOnly:    true,
					ExpectError: wrapped(`ports[0]: backend "b1" has 2 target ports ("8080-8081") and listen_port "80-82" holds 3`),
				},
				{
					Config: lbConfig(h, ovn, `
  listen_address = "198.18.200.5"
  backends       = [{ name = "b1", target_address = "10.44.0.10" }, { name = "b1", target_address = "10.44.0.11" }]
`),
					PlanOnly:    true,
					ExpectError: wrapped(`backends[1]: backend name "b1" is also the name of backends[0]`),
				},
				{ // the network is named missing
					Config:      lbConfig(h, missing, `listen_address = "198.18.200.5"`),
					ExpectError: wrapped(`Network "` + missing + `" (project "default", remote "test") was not found.`),
				},
				{ // incusd's text for an address the uplink does not route
					Config:      lbConfig(h, ovn, `listen_address = "198.18.201.5"`),
					ExpectError: wrapped(`Failed creating load balancer: Uplink network doesn't contain "198.18.201.5/32" in its routes`),
				},
				{ // a listen address taken out of band
					PreConfig: func() {
						if err := h.Client.CreateNetworkLoadBalancer(ovn, api.NetworkLoadBalancersPost{ListenAddress: "198.18.200.7"}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      lbConfig(h, ovn, `listen_address = "198.18.200.7"`),
					ExpectError: wrapped(`import it with the ID "test:default/`+ovn+`/198.18.200.7"`, `A load balancer for that listen address already exists`),
				},
			},
		})
	})
}

// On a bridge incusd refuses load balancers; the diagnostic says why. This
// runs on the real daemon too.
func TestAccIncusNetworkLoadBalancer_onBridge(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		br, sub := acctest.RandomName("lb"), testNet()
		cfg := h.ProviderConfig() + bridgeBlock("br", br, sub) + fmt.Sprintf(`
resource "rack_incus_network_load_balancer" "test" {
  remote         = "test"
  network        = rack_incus_network.br.name
  listen_address = "%s.5"
}
`, sub)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: cfg,
				ExpectError: wrapped(`Network "`+br+`" is of type "bridge"; Incus makes load balancers only on an OVN network (type "ovn").`,
					`Network driver "bridge" does not support load balancers`),
			}},
		})
	})
}
