package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

// networkSubnet is a test bridge address for name, from 198.19.0.0/16 (see
// docs: test bridges use 198.18.0.0/15 with NAT off and no traffic): two
// bridges on one subnet collide on a real host (dnsmasq cannot listen).
func networkSubnet(name string) string { return testnet.Subnet24(name) + ".1/24" }

func networkConfig(name string) map[string]string {
	return map[string]string{"ipv4.address": networkSubnet(name), "ipv4.nat": "false", "ipv6.address": "none"}
}

func init() {
	cases["rack_incus_network"] = Case{
		Incus:   true,
		Address: "rack_incus_network.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network" "test" {
  remote      = "test"
  name        = %q
  description = "contract"
  config      = { "ipv4.address" = %q, "ipv4.nat" = "false", "ipv6.address" = "none" }
}
`, name, networkSubnet(name))
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			// Another subnet than the config's: the name is what is taken.
			req := api.NetworksPost{Name: name, Type: "bridge", NetworkPut: api.NetworkPut{Config: networkConfig(name + "-taken")}}
			if err := env.Incus.Client.CreateNetwork(req); err != nil {
				t.Fatalf("creating network %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetwork(name); err != nil {
				t.Fatalf("deleting network %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetwork(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/networks"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/networks/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default", "type": "bridge"}
		},
	}
}
