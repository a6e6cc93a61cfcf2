package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func init() {
	cases["rack_incus_network_address_set"] = Case{
		Incus: true,
		MockOnly: "network address sets need Incus 6.12 or later (API extension network_address_set); the real test daemon runs 6.0.4. " +
			"internal/provider/incus/network/address_set_test.go checks the diagnostic it gives there",
		Address: "rack_incus_network_address_set.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_address_set" "test" {
  remote      = "test"
  name        = %q
  description = "contract"
  addresses   = ["198.18.0.1", "198.18.1.0/24", "2001:db8::1"]
  config      = { "user.owner" = "contract" }
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateNetworkAddressSet(api.NetworkAddressSetsPost{NetworkAddressSetPost: api.NetworkAddressSetPost{Name: name}}); err != nil {
				t.Fatalf("creating network address set %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkAddressSet(name); err != nil {
				t.Fatalf("deleting network address set %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkAddressSet(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-address-sets"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-address-sets/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default"}
		},
	}
}
