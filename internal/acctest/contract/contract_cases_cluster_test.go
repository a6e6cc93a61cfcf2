package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// realClusterShared: a member and the server configuration cannot be
// created or deleted, so on the real cluster only the import round trip
// would run, and internal/provider/incus/cluster's tests cover it there.
const realClusterShared = "on the real cluster a member and the server configuration are covered by internal/provider/incus/cluster's tests (import round trip, drift, destroy leaving the member or unsetting only the managed keys)"

func init() {
	cases["rack_incus_cluster_group"] = Case{
		Incus:   true,
		Cluster: true,
		Address: "rack_incus_cluster_group.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_cluster_group" "test" {
  remote      = "test"
  name        = %q
  description = "contract"
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateClusterGroup(api.ClusterGroupsPost{Name: name}); err != nil {
				t.Fatalf("creating cluster group %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			g, etag, err := env.Incus.Client.GetClusterGroup(name)
			if err == nil && len(g.Members) > 0 {
				put := g.Writable()
				put.Members = []string{}
				err = env.Incus.Client.UpdateClusterGroup(name, put, etag)
			}
			if err == nil {
				err = env.Incus.Client.DeleteClusterGroup(name)
			}
			if err != nil {
				t.Fatalf("deleting cluster group %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetClusterGroup(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/cluster/groups"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/cluster/groups/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test"}
		},
	}

	// A member is never created or deleted by Terraform: the resource takes
	// over one that exists (c2), so there is no name to take, nothing to
	// delete out of band, and no create request to cut; the other clauses
	// (a gone member read and destroyed, import round trip) hold.
	cases["rack_incus_cluster_member"] = Case{
		Incus:    true,
		Cluster:  true,
		MockOnly: realClusterShared,
		Address:  "rack_incus_cluster_member.test",
		Config: func(_ *Env, _ string) string {
			return `
resource "rack_incus_cluster_member" "test" {
  remote = "test"
  name   = "c2"
}
`
		},
		ImportID: func(_ *Env, _ string) string { return "test:c2" },
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test"}
		},
	}

	// The server's configuration always exists and is never deleted: the
	// case manages one user key on it; there is no name to take and nothing
	// to delete out of band. Gone is a target member the cluster lacks.
	cases["rack_incus_server"] = Case{
		Incus:    true,
		Cluster:  true,
		MockOnly: realClusterShared,
		Address:  "rack_incus_server.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_server" "test" {
  remote = "test"
  config = { "user.%s" = "contract" }
}
`, name)
		},
		ImportID:     func(_ *Env, _ string) string { return "test:" },
		ImportIgnore: []string{"config"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"target": name, "remote": "test"}
		},
	}
}
