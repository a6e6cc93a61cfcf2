package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func init() {
	cases["rack_incus_project"] = Case{
		Incus:   true,
		Address: "rack_incus_project.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_project" "test" {
  remote      = "test"
  name        = %q
  description = "contract"
  config      = { "user.contract" = "1" }
}
`, name)
		},
		// A project belongs to the whole server: no project in its ID.
		ImportID: func(_ *Env, name string) string { return "test:" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateProject(api.ProjectsPost{Name: name}); err != nil {
				t.Fatalf("creating project %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteProject(name); err != nil {
				t.Fatalf("deleting project %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetProject(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/projects"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/projects/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test"}
		},
	}
}
