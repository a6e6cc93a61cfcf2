package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func init() {
	cases["rack_incus_network_acl"] = Case{
		Incus:   true,
		Address: "rack_incus_network_acl.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_acl" "test" {
  remote      = "test"
  name        = %q
  description = "contract"
  config      = { "user.owner" = "contract" }
  ingress = [
    { action = "allow", source = "198.18.0.0/15", protocol = "tcp", destination_port = "22" },
  ]
  egress = [
    { action = "drop", destination = "198.18.0.1", state = "logged" },
  ]
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateNetworkACL(api.NetworkACLsPost{NetworkACLPost: api.NetworkACLPost{Name: name}}); err != nil {
				t.Fatalf("creating network ACL %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkACL(name); err != nil {
				t.Fatalf("deleting network ACL %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkACL(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-acls"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-acls/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default"}
		},
	}
}
