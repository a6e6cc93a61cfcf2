package contract_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// snapInstance is the instance a snapshot case's object is of: made out of
// band (Prepare, TakeName) and kept for the whole run. The renamed
// object of the rename clause (name-b) is of the same instance.
func snapInstance(name string) string { return strings.TrimSuffix(name, "-b") + "-i" }

func makeSnapInstance(t *testing.T, env *Env, name string) {
	t.Helper()
	env.Incus.CreateInstance(t, snapInstance(name))
	t.Cleanup(func() { env.Incus.ForgetInstance(snapInstance(name)) })
}

func init() {
	cases["rack_incus_instance_snapshot"] = Case{
		Incus:   true,
		Address: "rack_incus_instance_snapshot.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_instance_snapshot" "test" {
  remote     = "test"
  instance   = %q
  name       = %q
  expires_at = "2099-01-02T03:04:05Z"
}
`, snapInstance(name), name)
		},
		ImportID:      func(_ *Env, name string) string { return "test:default/" + snapInstance(name) + "/" + name },
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances/"},
		Prepare:       makeSnapInstance,
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances/" + snapInstance(name) + "/snapshots/" + name}
		},
		TakeName: func(t *testing.T, env *Env, name string) {
			makeSnapInstance(t, env, name)
			op, err := env.Incus.Client.CreateInstanceSnapshot(snapInstance(name), api.InstanceSnapshotsPost{Name: name})
			if err == nil {
				err = op.Wait()
			}
			if err != nil {
				t.Fatalf("creating snapshot %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			op, err := env.Incus.Client.DeleteInstanceSnapshot(snapInstance(name), name)
			if err == nil {
				err = op.Wait()
			}
			if err != nil {
				t.Fatalf("deleting snapshot %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetInstanceSnapshot(snapInstance(name), name)
			return err == nil
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "instance": snapInstance(name), "remote": "test", "project": "default"}
		},
	}
}
