package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func init() {
	cases["rack_incus_profile"] = Case{
		Incus:   true,
		Address: "rack_incus_profile.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_profile" "test" {
  remote      = "test"
  name        = %q
  description = "contract"
  config      = { "limits.cpu" = "1" }
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateProfile(api.ProfilesPost{Name: name}); err != nil {
				t.Fatalf("creating profile %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteProfile(name); err != nil {
				t.Fatalf("deleting profile %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetProfile(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/profiles"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/profiles/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default"}
		},
	}
}
