package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// noMinIO is why the bucket types run on the mock only: the real test
// daemon has no MinIO, so it refuses every bucket (the bucket package's
// tests check that refusal's diagnostic on it).
const noMinIO = "the real test incusd has no MinIO, so it cannot serve storage buckets"

func init() {
	cases["rack_incus_storage_bucket"] = Case{
		Incus:    true,
		MockOnly: noMinIO,
		Address:  "rack_incus_storage_bucket.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_storage_bucket" "test" {
  remote      = "test"
  pool        = "default"
  name        = %q
  description = "contract"
  config      = { "user.purpose" = "contract" }
}
`, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/default/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if _, err := env.Incus.Client.CreateStoragePoolBucket("default", api.StorageBucketsPost{Name: name}); err != nil {
				t.Fatalf("creating bucket %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteStoragePoolBucket("default", name); err != nil {
				t.Fatalf("deleting bucket %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetStoragePoolBucket("default", name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/storage-pools/default/buckets"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "pool": "default", "remote": "test", "project": "default"}
		},
		// The admin key Incus makes with each bucket is a secret too.
		Secrets: func(_ *testing.T, env *Env, name string) []string {
			k, _, err := env.Incus.Client.GetStoragePoolBucketKey("default", name, "admin")
			if err != nil {
				return nil
			}
			return []string{k.SecretKey}
		},
	}

	// The key's bucket is made out of band with the key's name (TakeName)
	// and stays for the whole run: the key alone comes and goes.
	cases["rack_incus_storage_bucket_key"] = Case{
		Incus:    true,
		MockOnly: noMinIO,
		Address:  "rack_incus_storage_bucket_key.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_storage_bucket_key" "test" {
  remote      = "test"
  pool        = "default"
  bucket      = %q
  name        = %q
  role        = "admin"
  description = "contract"
}
`, name, name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/default/" + name + "/" + name },
		TakeName: func(t *testing.T, env *Env, name string) {
			if _, err := env.Incus.Client.CreateStoragePoolBucket("default", api.StorageBucketsPost{Name: name}); err != nil {
				t.Fatalf("creating bucket %s out of band: %v", name, err)
			}
			t.Cleanup(func() { _ = env.Incus.Client.DeleteStoragePoolBucket("default", name) })
			if _, err := env.Incus.Client.CreateStoragePoolBucketKey("default", name, api.StorageBucketKeysPost{Name: name, StorageBucketKeyPut: api.StorageBucketKeyPut{Role: "read-only"}}); err != nil {
				t.Fatalf("creating bucket key %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteStoragePoolBucketKey("default", name, name); err != nil {
				t.Fatalf("deleting bucket key %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetStoragePoolBucketKey("default", name, name)
			return err == nil
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "bucket": name, "pool": "default", "remote": "test", "project": "default"}
		},
		Secrets: func(_ *testing.T, env *Env, name string) []string {
			k, _, err := env.Incus.Client.GetStoragePoolBucketKey("default", name, name)
			if err != nil {
				return nil
			}
			return []string{k.SecretKey, k.AccessKey}
		},
	}
}
