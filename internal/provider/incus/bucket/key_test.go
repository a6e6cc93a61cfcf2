package bucket_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const keyAddr = "rack_incus_storage_bucket_key.test"

// keyConfig is a bucket (named bucket) and a key of it (named key).
func keyConfig(h *acctest.IncusHost, bucket, key, body string) string {
	return bucketConfig(h, bucket, "") + fmt.Sprintf(`
resource "rack_incus_storage_bucket_key" "test" {
  remote = "test"
  pool   = rack_incus_storage_bucket.test.pool
  bucket = rack_incus_storage_bucket.test.name
  name   = %q
%s
}
`, key, body)
}

func getKey(h *acctest.IncusHost, bucket, key string) (*api.StorageBucketKey, error) {
	k, _, err := h.Client.GetStoragePoolBucketKey("default", bucket, key)
	return k, err
}

// sameAsHost checks that state holds the host's access and secret keys.
func sameAsHost(h *acctest.IncusHost, bucket, key string, got *api.StorageBucketKey) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		k, err := getKey(h, bucket, key)
		if err != nil {
			return err
		}
		attrs := s.RootModule().Resources[keyAddr].Primary.Attributes
		if attrs["access_key"] != k.AccessKey || attrs["secret_key"] != k.SecretKey || k.SecretKey == "" {
			return fmt.Errorf("state's access or secret key is not the host's")
		}
		if got != nil {
			*got = *k
		}
		return nil
	}
}

func TestAccStorageBucketKey_lifecycle(t *testing.T) {
	h := mockHost(t)
	bucket, key, other := acctest.RandomName("bkt"), acctest.RandomName("key"), acctest.RandomName("key")
	first := keyConfig(h, bucket, key, `  description = "reader"`)
	admin := keyConfig(h, bucket, key, `  description = "writer"
  role        = "admin"`)
	var before, after api.StorageBucketKey
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             bucketGone(h, bucket),
		Steps: []resource.TestStep{
			{
				Config: first,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("role"), knownvalue.StringExact("read-only")),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/default/"+bucket+"/"+key)),
					statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
				},
				Check: sameAsHost(h, bucket, key, &before),
			},
			{ // role and description change in place; the keys stay
				Config: admin,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(sameAsHost(h, bucket, key, &after), func(*terraform.State) error {
					if after.Role != "admin" || after.Description != "writer" {
						return fmt.Errorf("key on the host after the update: role %q, description %q", after.Role, after.Description)
					}
					if after.AccessKey != before.AccessKey || after.SecretKey != before.SecretKey {
						return fmt.Errorf("an in-place update changed the key's access or secret key")
					}
					return nil
				}),
			},
			{ // import by ID: the keys come from the server
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateId:           "test:default/default/" + bucket + "/" + key,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{ // import block: the plan after it is empty
				ResourceName:    keyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "test:default/default/" + bucket + "/" + key,
				Config:          admin,
			},
			{ // a new name replaces the key, with new keys
				Config: keyConfig(h, bucket, other, `  description = "writer"
  role        = "admin"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(sameAsHost(h, bucket, other, &after), func(*terraform.State) error {
					if _, err := getKey(h, bucket, key); err == nil {
						return fmt.Errorf("the replaced key %s still exists", key)
					}
					if after.SecretKey == before.SecretKey {
						return fmt.Errorf("the new key has the old secret key")
					}
					return nil
				}),
			},
		},
	})
}

func TestAccStorageBucketKey_drift(t *testing.T) {
	h := mockHost(t)
	bucket, key := acctest.RandomName("bkt"), acctest.RandomName("key")
	cfg := keyConfig(h, bucket, key, `  role = "read-only"`)
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             bucketGone(h, bucket),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // role raised out of band: put back
				PreConfig: func() {
					k, err := getKey(h, bucket, key)
					if err != nil {
						t.Fatal(err)
					}
					put := k.Writable()
					put.Role = "admin"
					if err := h.Client.UpdateStoragePoolBucketKey("default", bucket, key, put, ""); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if k, err := getKey(h, bucket, key); err != nil || k.Role != "read-only" {
						return fmt.Errorf("key on the host after putting it back: %+v: %w", k, err)
					}
					return nil
				},
			},
			{ // secret key changed out of band: state learns the new one
				PreConfig: func() {
					k, err := getKey(h, bucket, key)
					if err != nil {
						t.Fatal(err)
					}
					put := k.Writable()
					put.SecretKey = "changed-out-of-band-0123456789"
					if err := h.Client.UpdateStoragePoolBucketKey("default", bucket, key, put, ""); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				Check:  resource.TestCheckResourceAttr(keyAddr, "secret_key", "changed-out-of-band-0123456789"),
			},
			{ // deleted out of band: made again
				PreConfig: func() {
					if err := h.Client.DeleteStoragePoolBucketKey("default", bucket, key); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
				}},
				Check: sameAsHost(h, bucket, key, nil),
			},
			{ // the bucket deleted out of band: both are made again
				PreConfig: func() {
					if err := h.Client.DeleteStoragePoolBucket("default", bucket); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bucketAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
				}},
				Check: sameAsHost(h, bucket, key, nil),
			},
		},
	})
}

func TestAccStorageBucketKey_errors(t *testing.T) {
	h := mockHost(t)
	bucket, key := acctest.RandomName("bkt"), acctest.RandomName("key")
	if _, err := h.Client.CreateStoragePoolBucket("default", api.StorageBucketsPost{Name: bucket}); err != nil {
		t.Fatal(err)
	}
	standalone := func(bucket, key, body string) string {
		return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_bucket_key" "test" {
  remote = "test"
  pool   = "default"
  bucket = %q
  name   = %q
%s
}
`, bucket, key, body)
	}
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{ // a taken name (the admin key Incus made): the import ID adopts it
				Config:      standalone(bucket, "admin", ""),
				ExpectError: acctest.DiagRE(`Unable to Create Incus Storage Bucket Key.*already exists.*import.*"test:default/default/` + bucket + `/admin"`),
			},
			{ // a bucket that does not exist is named
				Config:      standalone("nosuchbucket", key, ""),
				ExpectError: acctest.DiagRE(`Unable to Create Incus Storage Bucket Key.*nosuchbucket.*not found`),
			},
			{ // a role Incus does not know is refused at plan time
				Config:      standalone(bucket, key, `  role = "writer"`),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Attribute role value must be one of`),
			},
			{ // import of a key that does not exist is an error naming it
				Config:        standalone(bucket, key, ""),
				ResourceName:  keyAddr,
				ImportState:   true,
				ImportStateId: "test:default/default/" + bucket + "/" + key,
				ExpectError:   acctest.DiagRE(`Cannot Import Incus Storage Bucket Key.*` + key + `.*not found`),
			},
		},
	})
}
