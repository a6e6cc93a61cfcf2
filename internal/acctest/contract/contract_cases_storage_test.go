package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func init() {
	cases["rack_incus_storage_pool"] = Case{
		Incus:   true,
		Address: "rack_incus_storage_pool.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_storage_pool" "test" {
  remote      = "test"
  name        = %q
  driver      = "dir"
  description = "contract"
  config      = { "user.owner" = "contract" }
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateStoragePool(api.StoragePoolsPost{Name: name, Driver: "dir"}); err != nil {
				t.Fatalf("creating storage pool %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteStoragePool(name); err != nil {
				t.Fatalf("deleting storage pool %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetStoragePool(name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/storage-pools"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test"}
		},
	}

	cases["rack_incus_storage_volume"] = Case{
		Incus:   true,
		Address: "rack_incus_storage_volume.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_storage_volume" "test" {
  remote      = "test"
  pool        = "default"
  name        = %q
  description = "contract"
  config      = { "user.owner" = "contract" }
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/default/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.CreateStoragePoolVolume("default", api.StorageVolumesPost{Name: name, Type: "custom"}); err != nil {
				t.Fatalf("creating storage volume %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteStoragePoolVolume("default", "custom", name); err != nil {
				t.Fatalf("deleting storage volume %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetStoragePoolVolume("default", "custom", name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/storage-pools/default/volumes/custom"},
		RenameRequest: func(name string) mockhost.Fault {
			return mockhost.Fault{Method: "POST", PathPrefix: "/1.0/storage-pools/default/volumes/custom/" + name}
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default", "pool": "default"}
		},
	}

	// The snapshot's volume is made out of band with the taken name (the
	// snapshot is of a volume Terraform does not manage here).
	snapVolume := func(name string) string { return name + "-vol" }
	cases["rack_incus_storage_volume_snapshot"] = Case{
		Incus:   true,
		Address: "rack_incus_storage_volume_snapshot.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_storage_volume_snapshot" "test" {
  remote      = "test"
  pool        = "default"
  volume      = %q
  name        = %q
  description = "contract"
  expires_at  = "2099-01-02T03:04:05Z"
}
`, snapVolume(name), name)
		},
		ImportID:      func(_ *Env, name string) string { return "test:default/default/" + snapVolume(name) + "/" + name },
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/storage-pools/default/volumes/custom/"},
		Prepare: func(t *testing.T, env *Env, name string) {
			c := env.Incus.Client
			if err := c.CreateStoragePoolVolume("default", api.StorageVolumesPost{Name: snapVolume(name), Type: "custom"}); err != nil {
				t.Fatalf("creating storage volume %s out of band: %v", snapVolume(name), err)
			}
			t.Cleanup(func() { _ = c.DeleteStoragePoolVolume("default", "custom", snapVolume(name)) })
		},
		// The snapshot is made, then its description set by a second
		// request, which the interrupt stops: saved tainted, replaced next.
		CutCreateError: acctest.DiagRE(`exists, but its create did not finish`),
		TakeName: func(t *testing.T, env *Env, name string) {
			c := env.Incus.Client
			if err := c.CreateStoragePoolVolume("default", api.StorageVolumesPost{Name: snapVolume(name), Type: "custom"}); err != nil {
				t.Fatalf("creating storage volume %s out of band: %v", snapVolume(name), err)
			}
			t.Cleanup(func() { _ = c.DeleteStoragePoolVolume("default", "custom", snapVolume(name)) })
			op, err := c.CreateStoragePoolVolumeSnapshot("default", "custom", snapVolume(name), api.StorageVolumeSnapshotsPost{Name: name})
			if err == nil {
				err = op.Wait()
			}
			if err != nil {
				t.Fatalf("creating snapshot %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			op, err := env.Incus.Client.DeleteStoragePoolVolumeSnapshot("default", "custom", snapVolume(name), name)
			if err == nil {
				err = op.Wait()
			}
			if err != nil {
				t.Fatalf("deleting snapshot %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetStoragePoolVolumeSnapshot("default", "custom", snapVolume(name), name)
			return err == nil
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default", "pool": "default", "volume": snapVolume(name)}
		},
	}
}
