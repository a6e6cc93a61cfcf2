package contract_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// integrationSecret is the client key the case's integration holds: like
// the canary, it must reach no diagnostic and no log.
func integrationSecret(name string) string { return "contract-ic-key-" + name }

// integrationKeyFile holds the secret, read with file(): written in the
// configuration, the key would be in the test harness's own log of it.
// It lives in the run's log directory, removed with it.
func integrationKeyFile(name string) string {
	path := filepath.Join(filepath.Dir(logPath), "ic-"+name+".key")
	_ = os.WriteFile(path, []byte(integrationSecret(name)), 0o600)
	return path
}

func init() {
	// incusd 6.0.4 keeps integrations in its database (no OVN needed), so
	// the case runs on the real daemon too.
	cases["rack_incus_network_integration"] = Case{
		Incus:   true,
		Address: "rack_incus_network_integration.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_integration" "test" {
  remote      = "test"
  name        = %q
  type        = "ovn"
  description = "contract"
  config = {
    "ovn.northbound_connection" = "ssl:127.0.0.1:6645"
    "ovn.client_key"            = file(%q)
  }
}
`, name, integrationKeyFile(name))
		},
		ImportID: func(_ *Env, name string) string { return "test:" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateNetworkIntegration(api.NetworkIntegrationsPost{Name: name, Type: "ovn"}); err != nil {
				t.Fatalf("creating network integration %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkIntegration(name); err != nil {
				t.Fatalf("deleting network integration %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkIntegration(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-integrations"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/network-integrations/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test"}
		},
		Secrets: func(_ *testing.T, _ *Env, name string) []string { return []string{integrationSecret(name)} },
	}
}
